import { defineScript } from '../scripts.js';
import { checkpointRecordLua } from './checkpoint-record.js';

export const checkpointLivePage = defineScript(
  'checkpoint-live-page',
  `--[[ checkpoint-live-page: live, completed uniquifiers in byte-wise order, one bounded piece.
  KEYS[1]  records hash of (project, resourceId, processId)
  KEYS[2]  its uniquifier index (ZSET, all scores 0, so ZRANGE BYLEX is byte-wise order)
  ARGV[1]  now, ms on the adapter clock
  ARGV[2]  '1' to start after ARGV[3] (exclusive), '0' to start at the beginning
  ARGV[3]  the exclusive lower bound
  ARGV[4]  how many uniquifiers are wanted
  ARGV[5]  how many index entries to examine at most (expired and claimed ones are skipped, so a
           call stops after this budget and the caller continues from the last one examined)
  Returns {exhausted (1|0), last examined uniquifier or '', {uniquifiers...}}
]]
${checkpointRecordLua}
local now, wanted, budget = tonumber(ARGV[1]), tonumber(ARGV[4]), tonumber(ARGV[5])
local from = '-'
if ARGV[2] == '1' then from = '(' .. ARGV[3] end
local found, examined, last = {}, 0, ''
while #found < wanted and examined < budget do
  local asked = math.min(wanted - #found, budget - examined, 1000)
  local batch = redis.call('ZRANGE', KEYS[2], from, '+', 'BYLEX', 'LIMIT', 0, asked)
  if #batch == 0 then return {1, last, found} end
  local values = redis.call('HMGET', KEYS[1], unpack(batch))
  for i, uniquifier in ipairs(batch) do
    local value = values[i]
    if value and record_token(value) == '' and record_expiry(value) > now then
      found[#found + 1] = uniquifier
    end
    examined = examined + 1
    last = uniquifier
    if #found == wanted then return {0, last, found} end
  end
  if #batch < asked then return {1, last, found} end
  from = '(' .. last
end
return {0, last, found}
`,
);
