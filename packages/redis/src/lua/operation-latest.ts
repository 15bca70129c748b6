import { defineScript } from '../scripts.js';

export const operationLatest = defineScript(
  'operation-latest',
  `--[[ operation-latest: the newest checkpoint, read in one step so that a concurrent compact
  (which deletes the old checkpoints) is never seen half done.
  KEYS[1]  operation ids (ZSET score = seq, member = 16-digit id)
  ARGV[1]  checkpoint key prefix (the id is appended; same hash tag as KEYS[1])
  Returns nil when there is no checkpoint, else {id, label, data, created-ms}.
]]
local newest = redis.call('ZRANGE', KEYS[1], -1, -1)
if #newest == 0 then return nil end
local fields = redis.call('HMGET', ARGV[1] .. newest[1], 'label', 'data', 'created-ms')
return {newest[1], fields[1], fields[2], fields[3]}
`,
);
