import { defineScript } from '../scripts.js';
import { operationFenceLua } from './operation-fence.js';

export const operationAppend = defineScript(
  'operation-append',
  `--[[ operation-append: OperationBackend.append — the next sequence number and its checkpoint.
  KEYS[1]  operation meta hash
  KEYS[2]  operation ids (ZSET score = seq, member = 16-digit id)
  ARGV[1]  the writer's fencing token, '' for a handle without a lease
  ARGV[2]  now, ms on the adapter clock
  ARGV[3]  label
  ARGV[4]  data
  ARGV[5]  createdMs
  ARGV[6]  checkpoint key prefix (the 16-digit id is appended; same hash tag as KEYS)
  Journaled (lua/journal.ts): a resend returns the first reply, so an append is never applied
  twice, whatever was appended in between.
  Returns {'ok', seq}, or
  {'fenced', lease-owner, lease-token, lease-expiry} writing nothing.
]]
${operationFenceLua}
local meta, ids = KEYS[1], KEYS[2]
local lease = fenced_out(meta, ARGV[1], tonumber(ARGV[2]))
if lease then return {'fenced', lease[1], lease[2], lease[3]} end
local seq = redis.call('HINCRBY', meta, 'seq', 1)
local id = string.format('%016d', seq)
redis.call('HSET', ARGV[6] .. id, 'label', ARGV[3], 'data', ARGV[4], 'created-ms', ARGV[5])
redis.call('ZADD', ids, seq, id)
return {'ok', seq}
`,
  'journaled',
);
