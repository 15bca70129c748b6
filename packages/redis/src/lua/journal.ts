/**
 * Lua wrappers that make a write script exactly-once under resends and settleable after a lost
 * reply (see ../journal.ts for the protocol and README.md, "Lost replies"). A wrapped script
 * receives extra KEYS and ARGV *after* its own, and the wrapper removes them before the script's
 * body runs, so the body's KEYS[i] / ARGV[i] (and #KEYS, #ARGV) mean what its header says.
 *
 * journaled — for writes that are not idempotent by themselves (appends, leases, CAS commits):
 *   KEYS  …own, then the write's journal entry, then F entries to forget
 *   ARGV  …own, then F, sent-at (ms, the client's wall clock), the resend window (ms), the
 *         entry's ttl (ms)
 *   The first run records the body's reply in the entry; a resend (same entry) returns the
 *   recorded reply and writes nothing. A send older than the window (by the server's clock) is
 *   refused with {'stale'}, writing nothing: its entry may have expired, so it cannot tell.
 *   An entry settled as abandoned (after a lost reply) makes a late arrival a no-op:
 *   {'abandoned'}.
 *
 * keyed — for writes whose own record carries the nonce (checkpoint inserts, runOnce units): a
 *   resend recognises itself by that nonce, so nothing is recorded on the hot path.
 *   KEYS  …own, then the write's journal entry
 *   Only an entry settled as abandoned is checked: {'abandoned'}, writing nothing.
 */

/** The body runs as a function, so that its top-level `return` hands the reply to the wrapper. */
export function journaledLua(body: string): string {
  return `local window_ms, sent_ms, forgotten, entry_ttl_ms
entry_ttl_ms = table.remove(ARGV)
window_ms = tonumber(table.remove(ARGV))
sent_ms = tonumber(table.remove(ARGV))
forgotten = tonumber(table.remove(ARGV))
-- Entries of this process's earlier writes under the same tag whose replies arrived: no resend
-- of them can come any more.
for _ = 1, forgotten do redis.call('DEL', table.remove(KEYS)) end
local entry = table.remove(KEYS)
local recorded = redis.call('GET', entry)
if recorded then return cjson.decode(recorded)[1] end
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now_ms - sent_ms > window_ms then return {'stale'} end
local function apply()
${body}
end
local reply = apply()
-- Wrapped in a table so that a nil reply survives the round trip through JSON.
redis.call('SET', entry, cjson.encode({reply}), 'PX', entry_ttl_ms)
return reply
`;
}

export function keyedLua(body: string): string {
  return `local entry = table.remove(KEYS)
if redis.call('EXISTS', entry) == 1 then return {'abandoned'} end
local function apply()
${body}
end
return apply()
`;
}

/**
 * journal-settle, run after a write's reply was lost and the client rejected the command (it
 * did not resend it): whatever the write did is fixed from here on.
 *   KEYS[1]  the write's journal entry
 *   ARGV[1]  the entry's ttl, ms
 * Returns {'recorded', reply} when a journaled write ran (its reply as it would have been);
 * otherwise marks the entry abandoned — a copy of the write still on its way is then refused —
 * and returns {'abandoned'}. (A keyed write never records: the caller reads its record back.)
 */
export const journalSettleLua = `--[[ journal-settle: see lua/journal.ts ]]
local recorded = redis.call('GET', KEYS[1])
if recorded then
  local reply = cjson.decode(recorded)[1]
  if type(reply) == 'table' and reply[1] == 'abandoned' then return {'abandoned'} end
  return {'recorded', reply}
end
redis.call('SET', KEYS[1], cjson.encode({{'abandoned'}}), 'PX', ARGV[1])
return {'abandoned'}
`;
