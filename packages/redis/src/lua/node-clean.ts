import { defineScript } from '../scripts.js';

export const nodeClean = defineScript(
  'node-clean',
  `--[[ node-clean: NodeBackend.cleanShards — in one step with the root read, deletes the shards
  the root does not reference whose stamp is older than the cutoff.
  KEYS[1]  node root hash
  KEYS[2]  node shard stamps (ZSET score = stamp ms, member = shard hash)
  ARGV[1]  shard key prefix (the hash is appended; same hash tag as KEYS)
  ARGV[2]  cutoff, ms on the adapter clock (exclusive)
  Returns how many shards were deleted.
]]
local shards = redis.call('HGET', KEYS[1], 'shards') or ''
local referenced = {}
for i = 1, #shards, 64 do referenced[string.sub(shards, i, i + 63)] = true end
local deleted = 0
for _, hash in ipairs(redis.call('ZRANGE', KEYS[2], '-inf', '(' .. ARGV[2], 'BYSCORE')) do
  if not referenced[hash] then
    redis.call('DEL', ARGV[1] .. hash)
    redis.call('ZREM', KEYS[2], hash)
    deleted = deleted + 1
  end
end
return deleted
`,
);
