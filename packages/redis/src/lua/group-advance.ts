import { defineScript } from '../scripts.js';
import { groupChangeLua } from './group-change.js';
import { groupPartitionLua } from './group-partition.js';

export const groupAdvance = defineScript(
  'group-advance',
  `--[[ group-advance: GroupBackend.advance — core's checkAdvance rule (groups/backend.ts),
  reproduced here so that the check and the write are one step: above the partition's maximum →
  recorded unapplied; equal → accepted, nothing written; below → nothing written, and the adapter
  calls checkAdvance with the returned maximum so that the error comes from core.
  KEYS[1]  group partitions hash
  KEYS[2]  group version
  ARGV[1]  key base of the group's timestamp sets (see group-partition)
  ARGV[2]  the group's change channel
  ARGV[3]  partition
  ARGV[4]  the proposed timestamp's sort key
  Returns {'recorded'} | {'duplicate'} | {'regression', maximum's sort key}
]]
${groupChangeLua}
${groupPartitionLua}
local base, ts = ARGV[1], ARGV[4]
local n = partition_number(KEYS[1], ARGV[3], false)
if n then
  local all = base .. 'all:' .. n
  -- Redis compares the sort keys (byte-wise); Lua's own string order follows the server locale.
  if #redis.call('ZRANGE', all, '(' .. ts, '+', 'BYLEX', 'LIMIT', 0, 1) > 0 then
    return {'regression', redis.call('ZRANGE', all, '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1]}
  end
  if redis.call('ZSCORE', all, ts) then return {'duplicate'} end
else
  n = partition_number(KEYS[1], ARGV[3], true)
end
redis.call('ZADD', base .. 'all:' .. n, 0, ts)
redis.call('ZADD', base .. 'unapplied:' .. n, 0, ts)
window_changed(KEYS[2], ARGV[2], 'advance')
return {'recorded'}
`,
  'journaled',
);
