import { defineScript } from '../scripts.js';
import { groupChangeLua } from './group-change.js';
import { groupPartitionLua } from './group-partition.js';

export const groupEnsure = defineScript(
  'group-ensure',
  `--[[ group-ensure: GroupBackend.ensure — the origin, applied, for each partition with no timestamps.
  KEYS[1]  group partitions hash
  KEYS[2]  group version
  ARGV[1]  key base of the group's timestamp sets (see group-partition)
  ARGV[2]  the group's change channel
  ARGV[3]  the origin's sort key
  ARGV[4…] partitions
  Returns how many partitions got the origin.
]]
${groupChangeLua}
${groupPartitionLua}
local base, origin, added = ARGV[1], ARGV[3], 0
for i = 4, #ARGV do
  local n = partition_number(KEYS[1], ARGV[i], true)
  if redis.call('ZCARD', base .. 'all:' .. n) == 0 then
    redis.call('ZADD', base .. 'all:' .. n, 0, origin)
    redis.call('ZADD', base .. 'applied:' .. n, 0, origin)
    added = added + 1
  end
end
if added > 0 then
  window_changed(KEYS[2], ARGV[2], 'ensure')
end
return added
`,
);
