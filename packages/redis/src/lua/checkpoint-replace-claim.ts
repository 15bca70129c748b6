import { defineScript } from '../scripts.js';
import { checkpointRecordLua } from './checkpoint-record.js';

export const checkpointReplaceClaim = defineScript(
  'checkpoint-replace-claim',
  `--[[ checkpoint-replace-claim: CheckpointBackend.replaceClaim (complete, renew, release).
  KEYS[1]  records hash of (project, resourceId, processId)
  KEYS[2]  its uniquifier index
  ARGV[1]  uniquifier
  ARGV[2]  the claim's token
  ARGV[3]  the replacing record value, or '' to delete the record
  ARGV[4]  GC ttl, ms (unused when deleting)
  ARGV[5]  the replacing record's extras (result and fingerprint), '' for none
  Journaled (lua/journal.ts): a resend returns the first reply.
  Returns 1 when the stored record was the claim with ARGV[2] and is now replaced, else 0,
  writing nothing.
]]
${checkpointRecordLua}
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
if record_token(stored) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  write_extras(KEYS[1], ARGV[1], '', true)
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  write_extras(KEYS[1], ARGV[1], ARGV[5], true)
  keep_for(KEYS[1], ARGV[4])
  keep_for(KEYS[2], ARGV[4])
end
return 1
`,
  'journaled',
);
