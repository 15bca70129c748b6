import { defineScript } from '../scripts.js';

export const operationRenewLease = defineScript(
  'operation-renew-lease',
  `--[[ operation-renew-lease: OperationBackend.renewLease.
  KEYS[1]  operation meta hash
  ARGV[1]  the lease's token
  ARGV[2]  the new expiry, ms on the adapter clock
  Returns 1 when ARGV[1] is the current lease and its expiry was set, else 0.
]]
if redis.call('HGET', KEYS[1], 'lease-token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lease-expiry', ARGV[2])
return 1
`,
  'journaled',
);
