import { defineScript } from '../scripts.js';
import { chunkedLua } from './chunked.js';

export const groupPrune = defineScript(
  'group-prune',
  `--[[ group-prune: GroupBackend.prune — deletes applied timestamps strictly below each cutoff.
  KEYS[1]  group partitions hash
  KEYS[2]  group version
  ARGV[1]  key base of the group's timestamp sets (see group-partition)
  ARGV[2…] pairs: partition, cutoff's sort key (exclusive)
  Returns how many timestamps were deleted.
]]
${chunkedLua}
local base, pruned = ARGV[1], 0
for i = 2, #ARGV - 1, 2 do
  local n = redis.call('HGET', KEYS[1], ARGV[i])
  if n then
    local applied, below = base .. 'applied:' .. n, '(' .. ARGV[i + 1]
    local doomed = redis.call('ZRANGE', applied, '-', below, 'BYLEX')
    if #doomed > 0 then
      redis.call('ZREMRANGEBYLEX', applied, '-', below)
      zrem_all(base .. 'all:' .. n, doomed)
      pruned = pruned + #doomed
    end
  end
end
-- The window is unchanged, but a summary being read right now must notice (see groups/backend.ts).
if pruned > 0 then redis.call('INCR', KEYS[2]) end
return pruned
`,
);
