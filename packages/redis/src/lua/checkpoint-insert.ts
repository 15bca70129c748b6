import { defineScript } from '../scripts.js';
import { checkpointRecordLua } from './checkpoint-record.js';

export const checkpointInsert = defineScript(
  'checkpoint-insert',
  `--[[ checkpoint-insert: CheckpointBackend.insertUnlessLive in one step (insert, tryInsert, claim).
  KEYS[1]  records hash of (project, resourceId, processId)
  KEYS[2]  its uniquifier index
  ARGV[1]  uniquifier
  ARGV[2]  now, ms on the adapter clock
  ARGV[3]  the record value to write
  ARGV[4]  GC ttl, ms
  ARGV[5]  the record's extras (result and fingerprint, checkpoints/record.ts), '' for none
  Returns nil when ARGV[3] was written — or had already been written by this same call (a resend
  after a lost reply carries the same nonce) — else the value of the live record, writing nothing.
]]
${checkpointRecordLua}
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored and record_expiry(stored) > tonumber(ARGV[2]) then
  if record_nonce(stored) == record_nonce(ARGV[3]) then return nil end
  return stored
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
write_extras(KEYS[1], ARGV[1], ARGV[5], stored)
redis.call('ZADD', KEYS[2], 0, ARGV[1])
keep_for(KEYS[1], ARGV[4])
keep_for(KEYS[2], ARGV[4])
return nil
`,
  'keyed',
);
