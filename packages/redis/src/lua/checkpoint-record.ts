/**
 * Lua fragment: reading checkpoint record values inside scripts. The format is written by
 * checkpoints/record.ts: "<creationMs>:<expiryMs>:<nonce>:<token>:<owner>", token and owner
 * empty for a completed checkpoint. The owner comes last because it may contain ':'. A record's
 * result and fingerprint, when it has any, sit beside it in the field NUL .. uniquifier (no
 * uniquifier holds NUL), written and deleted with it.
 */
export const checkpointRecordLua = `
local function is_extras_field(field)
  return string.byte(field, 1) == 0
end
-- Writes (or, for '', removes) a record's extras; \`had_record\` spares the HDEL on a fresh key.
local function write_extras(records, uniquifier, extras, had_record)
  if extras ~= '' then
    redis.call('HSET', records, '\\0' .. uniquifier, extras)
  elseif had_record then
    redis.call('HDEL', records, '\\0' .. uniquifier)
  end
end
local function record_expiry(value)
  return tonumber(string.match(value, '^%-?%d+:(%-?%d+):'))
end
local function record_nonce(value)
  return string.match(value, '^%-?%d+:%-?%d+:([^:]*):')
end
local function record_token(value)
  return string.match(value, '^%-?%d+:%-?%d+:[^:]*:([^:]*):')
end
-- Garbage collection only (a record is live while expiry > now on the adapter clock, checked by
-- every script and again by core): a records hash and its index stay at least as long as the
-- longest-lived record written into them needs.
local function keep_for(key, ttl_ms)
  if redis.call('PTTL', key) < tonumber(ttl_ms) then
    redis.call('PEXPIRE', key, ttl_ms)
  end
end
`;
