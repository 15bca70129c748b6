import { defineScript } from '../scripts.js';

export const nodeDelete = defineScript(
  'node-delete',
  `--[[ node-delete: NodeBackend.deleteNode — the root, then every shard of the id, in one step.
  KEYS[1]  node root hash
  KEYS[2]  node shard stamps (ZSET score = stamp ms, member = shard hash)
  ARGV[1]  shard key prefix (the hash is appended; same hash tag as KEYS)
  Returns how many shards were deleted.
]]
redis.call('DEL', KEYS[1])
local hashes = redis.call('ZRANGE', KEYS[2], 0, -1)
for _, hash in ipairs(hashes) do redis.call('DEL', ARGV[1] .. hash) end
redis.call('DEL', KEYS[2])
return #hashes
`,
  'journaled',
);
