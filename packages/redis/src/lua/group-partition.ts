/**
 * Lua fragment: a group's partitions are numbered in its partitions hash (1, 2, …, never removed),
 * and a partition's timestamp sets are `<base>all:<n>`, `<base>applied:<n>`, `<base>unapplied:<n>`
 * (ZSETs of core's fixed-width hlcSortKey strings, all scores 0: BYLEX order is time order).
 * Numbers instead of names keep the keys free of user text, so scripts need no escaping.
 */
export const groupPartitionLua = `
local function partition_number(partitions, name, create)
  local number = redis.call('HGET', partitions, name)
  if number or not create then return number end
  number = redis.call('HLEN', partitions) + 1
  redis.call('HSET', partitions, name, number)
  return number
end
`;
