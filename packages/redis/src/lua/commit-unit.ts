import { defineScript } from '../scripts.js';
import { checkpointRecordLua } from './checkpoint-record.js';

/**
 * Two scripts share the body: a unit with a checkpoint guard is `keyed` (its record carries the
 * unit's nonce, which is how a resend recognises itself: {'done'}); any other unit (a node's
 * root, a dataset's marker, a bare transaction) is `journaled` (lua/journal.ts).
 */
const commitUnitLua = `--[[ commit-unit: one transaction (a RedisTx): the adapter's guarded records and the user's
  queued commands, applied together or not at all. Encoded by tx/unit.ts.
  KEYS     every key of the unit, adapter records first, then the user's; ARGV refers to a key by
           its 1-based position in KEYS
  ARGV[1]  the unit's nonce, stored with its records: a resend of an applied unit is recognised
  ARGV[2]  G, the number of guards, then G guards, each a kind followed by its arguments:
    checkpoint  records index uniquifier now value gc-ttl extras
                — insert the record unless one live at now exists (runOnce, insertIn)
    root        root stamps expected-generation('' = none) now generation shards byte-length
                sha256 R retired-hash×R
                — the node's root, if its generation is the expected one; re-stamps retired shards
    marker      marker rows present('1'|'0') expected-key new-key new-id C (key flag value)×C
                — a dataset's changes (flag '1' sets, '0' deletes), if its marker still holds
                  the key the adapter decided on
  then N, the number of user commands, then N commands, each: argc, a mask with one letter per
  argument ('k': the argument is a position in KEYS, 'v': a value), the arguments
  Returns {'ok'}; {'done'} if this nonce's unit was applied before; or, writing nothing:
  {'live', guard-no, record-value} | {'generation', guard-no, actual ('' = none)} | {'marker', guard-no}
  Every guard is checked before anything is written. Redis cannot roll back, so a user command
  that fails at run time (WRONGTYPE…) ends the script with the commands before it applied; the
  adapter's records come last and are then not written.
]]
${checkpointRecordLua}
local nonce, at = ARGV[1], 2
local function take()
  local value = ARGV[at]
  at = at + 1
  return value
end
local function key() return KEYS[tonumber(take())] end

local guards = {}
for g = 1, tonumber(take()) do
  local kind, guard = take(), {}
  guard.kind = kind
  if kind == 'checkpoint' then
    guard.records, guard.index = key(), key()
    guard.uniquifier, guard.now, guard.value, guard.ttl, guard.extras =
      take(), tonumber(take()), take(), take(), take()
  elseif kind == 'root' then
    guard.root, guard.stamps = key(), key()
    guard.expected, guard.now, guard.generation, guard.shards, guard.length, guard.sha =
      take(), take(), take(), take(), take(), take()
    guard.retired = {}
    for i = 1, tonumber(take()) do guard.retired[i] = take() end
  elseif kind == 'marker' then
    guard.marker, guard.rows = key(), key()
    guard.present, guard.expected, guard.key, guard.id = take(), take(), take(), take()
    guard.changes = {}
    for i = 1, tonumber(take()) do guard.changes[i] = {take(), take(), take()} end
  else
    return redis.error_reply('commit-unit: unknown guard kind ' .. tostring(kind))
  end
  guards[g] = guard
end

for g, guard in ipairs(guards) do
  if guard.kind == 'checkpoint' then
    local stored = redis.call('HGET', guard.records, guard.uniquifier)
    guard.had_record = stored
    if stored and record_expiry(stored) > guard.now then
      if record_nonce(stored) == nonce then return {'done'} end
      return {'live', g, stored}
    end
  elseif guard.kind == 'root' then
    local current = redis.call('HMGET', guard.root, 'generation', 'nonce')
    if (current[1] or '') ~= guard.expected then
      if current[2] == nonce then return {'done'} end
      return {'generation', g, current[1] or ''}
    end
  else
    local current = redis.call('HMGET', guard.marker, 'key', 'nonce')
    local holds
    if guard.present == '1' then holds = current[1] == guard.expected else holds = not current[1] end
    if not holds then
      if current[2] == nonce then return {'done'} end
      return {'marker', g}
    end
  end
end

for _ = 1, tonumber(take()) do
  local argc, mask, args = tonumber(take()), take(), {}
  for j = 1, argc do
    local arg = take()
    if string.sub(mask, j, j) == 'k' then arg = KEYS[tonumber(arg)] end
    args[j] = arg
  end
  redis.call(unpack(args))
end

for _, guard in ipairs(guards) do
  if guard.kind == 'checkpoint' then
    redis.call('HSET', guard.records, guard.uniquifier, guard.value)
    write_extras(guard.records, guard.uniquifier, guard.extras, guard.had_record)
    redis.call('ZADD', guard.index, 0, guard.uniquifier)
    keep_for(guard.records, guard.ttl)
    keep_for(guard.index, guard.ttl)
  elseif guard.kind == 'root' then
    redis.call('HSET', guard.root, 'generation', guard.generation, 'shards', guard.shards,
      'byte-length', guard.length, 'sha256', guard.sha, 'nonce', nonce)
    for _, hash in ipairs(guard.retired) do
      redis.call('ZADD', guard.stamps, 'XX', guard.now, hash)
    end
  else
    for _, change in ipairs(guard.changes) do
      if change[2] == '1' then
        redis.call('HSET', guard.rows, change[1], change[3])
      else
        redis.call('HDEL', guard.rows, change[1])
      end
    end
    redis.call('HSET', guard.marker, 'key', guard.key, 'id', guard.id, 'nonce', nonce)
  end
end
return {'ok'}
`;

export const commitUnit = defineScript('commit-unit', commitUnitLua, 'keyed');
export const commitUnitJournaled = defineScript(
  'commit-unit-journaled',
  commitUnitLua,
  'journaled',
);
