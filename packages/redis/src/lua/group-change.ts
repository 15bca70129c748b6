/**
 * Lua fragment: every write that can change a group's window bumps the group's version (read
 * summaries are a seqlock over it, see groups/backend.ts) and publishes on the group's channel, so
 * that watchers in every process wake (groups/notifier.ts). One function, so no script forgets
 * either half.
 */
export const groupChangeLua = `
local function window_changed(version, channel, what)
  redis.call('INCR', version)
  redis.call('PUBLISH', channel, what)
end
`;
