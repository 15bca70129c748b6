/**
 * Lua fragment: reading checkpoint record values inside scripts. The format is written by
 * checkpoints/record.ts: "<creationMs>:<expiryMs>:<nonce>:<token>:<owner>", token and owner
 * empty for a completed checkpoint. The owner comes last because it may contain ':'.
 */
export const checkpointRecordLua = `
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
