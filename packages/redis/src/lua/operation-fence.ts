/**
 * Lua fragment: core's fencing rule (checkFence, @checkpointkit/core src/operations/fence.ts),
 * reproduced inside the scripts that write an operation, because the check and the write must be
 * one atomic step. A script that finds itself fenced out returns the lease and writes nothing;
 * the adapter then calls checkFence itself, so the error (and its message) still come from core.
 *
 *   with a token T:  may write while T is the current lease's token (even after it ran out)
 *   without a token: may write only while no lease is live
 */
export const operationFenceLua = `
local function fenced_out(meta, fence, now)
  local lease = redis.call('HMGET', meta, 'lease-owner', 'lease-token', 'lease-expiry')
  if fence ~= '' then
    if lease[2] ~= fence then return lease end
  elseif lease[2] and tonumber(lease[3]) > now then
    return lease
  end
  return nil
end
`;
