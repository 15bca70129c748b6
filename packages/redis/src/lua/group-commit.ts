import { defineScript } from '../scripts.js';
import { chunkedLua } from './chunked.js';
import { groupChangeLua } from './group-change.js';

export const groupCommit = defineScript(
  'group-commit',
  `--[[ group-commit: GroupBackend.commit — every unapplied timestamp of the group in [min, max)
  becomes applied, across all partitions, in one step.
  KEYS[1]  group partitions hash
  KEYS[2]  group version
  ARGV[1]  key base of the group's timestamp sets (see group-partition)
  ARGV[2]  the group's change channel
  ARGV[3]  min's sort key (inclusive)
  ARGV[4]  max's sort key (exclusive)
  Returns how many timestamps became applied.
]]
${groupChangeLua}
${chunkedLua}
local base, low, high, moved = ARGV[1], '[' .. ARGV[3], '(' .. ARGV[4], 0
for _, n in ipairs(redis.call('HVALS', KEYS[1])) do
  local unapplied = base .. 'unapplied:' .. n
  local moving = redis.call('ZRANGE', unapplied, low, high, 'BYLEX')
  if #moving > 0 then
    redis.call('ZREMRANGEBYLEX', unapplied, low, high)
    zadd_all_zero(base .. 'applied:' .. n, moving)
    moved = moved + #moving
  end
end
if moved > 0 then
  window_changed(KEYS[2], ARGV[2], 'commit')
end
return moved
`,
  'journaled',
);
