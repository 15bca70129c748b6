import { defineScript } from '../scripts.js';
import { checkpointRecordLua } from './checkpoint-record.js';

export const checkpointPurge = defineScript(
  'checkpoint-purge',
  `--[[ checkpoint-purge: deletes the expired records (checkpoints and claims) of one records hash.
  KEYS[1]  records hash of (project, resourceId, processId)
  KEYS[2]  its uniquifier index
  ARGV[1]  now, ms on the adapter clock
  Returns how many records were deleted.
]]
${checkpointRecordLua}
local now = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local purged = 0
for i = 1, #all, 2 do
  if not is_extras_field(all[i]) and record_expiry(all[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], all[i])
    write_extras(KEYS[1], all[i], '', true)
    redis.call('ZREM', KEYS[2], all[i])
    purged = purged + 1
  end
end
return purged
`,
);
