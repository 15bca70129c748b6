/**
 * Lua fragment: Redis' Lua unpacks at most a few thousand values onto its stack (LUAI_MAXCSTACK),
 * so commands over long member lists go in chunks.
 */
export const chunkedLua = `
local function zadd_all_zero(key, members)
  for i = 1, #members, 500 do
    local args = {}
    for j = i, math.min(i + 499, #members) do
      args[#args + 1] = 0
      args[#args + 1] = members[j]
    end
    redis.call('ZADD', key, unpack(args))
  end
end
local function zrem_all(key, members)
  for i = 1, #members, 1000 do
    redis.call('ZREM', key, unpack(members, i, math.min(i + 999, #members)))
  end
end
`;
