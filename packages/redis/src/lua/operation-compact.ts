import { defineScript } from '../scripts.js';
import { operationFenceLua } from './operation-fence.js';

export const operationCompact = defineScript(
  'operation-compact',
  `--[[ operation-compact: OperationBackend.compact — one new checkpoint with the latest data
  replaces all of them, in one step (there is no moment without a checkpoint).
  KEYS[1]  operation meta hash
  KEYS[2]  operation ids (ZSET score = seq, member = 16-digit id)
  ARGV[1]  the writer's fencing token, '' for a handle without a lease
  ARGV[2]  now, ms on the adapter clock
  ARGV[3]  label of the new checkpoint
  ARGV[4]  its createdMs
  ARGV[5]  checkpoint key prefix (the id is appended; same hash tag as KEYS)
  Returns {'ok', seq}, {'none'} when there was no checkpoint (nothing written), or
  {'fenced', lease-owner, lease-token, lease-expiry} writing nothing.
]]
${operationFenceLua}
local meta, ids, prefix = KEYS[1], KEYS[2], ARGV[5]
local lease = fenced_out(meta, ARGV[1], tonumber(ARGV[2]))
if lease then return {'fenced', lease[1], lease[2], lease[3]} end
local all = redis.call('ZRANGE', ids, 0, -1)
if #all == 0 then return {'none'} end
local seq = redis.call('HINCRBY', meta, 'seq', 1)
local id = string.format('%016d', seq)
-- The newest checkpoint becomes the new one (RENAME keeps its data without copying it).
redis.call('RENAME', prefix .. all[#all], prefix .. id)
redis.call('HSET', prefix .. id, 'label', ARGV[3], 'created-ms', ARGV[4])
for i = 1, #all - 1 do redis.call('DEL', prefix .. all[i]) end
redis.call('DEL', ids)
redis.call('ZADD', ids, seq, id)
return {'ok', seq}
`,
  'journaled',
);
