import { defineScript } from '../scripts.js';

export const operationAcquire = defineScript(
  'operation-acquire',
  `--[[ operation-acquire: OperationBackend.acquire — a lease with token = last issued + 1,
  unless a lease is live.
  KEYS[1]  operation meta hash
  ARGV[1]  owner
  ARGV[2]  the new lease's expiry, ms on the adapter clock
  ARGV[3]  now, ms on the adapter clock
  Returns {'acquired', token} or {'held', lease-owner, lease-token, lease-expiry}.
]]
local meta = KEYS[1]
local lease = redis.call('HMGET', meta, 'lease-owner', 'lease-token', 'lease-expiry')
if lease[2] and tonumber(lease[3]) > tonumber(ARGV[3]) then
  return {'held', lease[1], lease[2], lease[3]}
end
local token = redis.call('HINCRBY', meta, 'token', 1)
redis.call('HSET', meta, 'lease-owner', ARGV[1], 'lease-token', token, 'lease-expiry', ARGV[2])
return {'acquired', token}
`,
  'journaled',
);
