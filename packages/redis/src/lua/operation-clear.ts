import { defineScript } from '../scripts.js';
import { operationFenceLua } from './operation-fence.js';

export const operationClear = defineScript(
  'operation-clear',
  `--[[ operation-clear: OperationBackend.clear — deletes every checkpoint; the counter stays.
  KEYS[1]  operation meta hash
  KEYS[2]  operation ids (ZSET score = seq, member = 16-digit id)
  ARGV[1]  the writer's fencing token, '' for a handle without a lease
  ARGV[2]  now, ms on the adapter clock
  ARGV[3]  checkpoint key prefix (the id is appended; same hash tag as KEYS)
  ARGV[4]  '1' to also end the writer's lease (complete), '0' otherwise
  Returns {'ok'}, or {'fenced', lease-owner, lease-token, lease-expiry} writing nothing.
]]
${operationFenceLua}
local meta, ids = KEYS[1], KEYS[2]
local lease = fenced_out(meta, ARGV[1], tonumber(ARGV[2]))
if lease then return {'fenced', lease[1], lease[2], lease[3]} end
for _, id in ipairs(redis.call('ZRANGE', ids, 0, -1)) do redis.call('DEL', ARGV[3] .. id) end
redis.call('DEL', ids)
if ARGV[4] == '1' and ARGV[1] ~= '' then
  redis.call('HDEL', meta, 'lease-owner', 'lease-token', 'lease-expiry')
end
return {'ok'}
`,
  'journaled',
);
