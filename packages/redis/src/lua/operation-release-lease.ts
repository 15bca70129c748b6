import { defineScript } from '../scripts.js';

export const operationReleaseLease = defineScript(
  'operation-release-lease',
  `--[[ operation-release-lease: OperationBackend.releaseLease.
  KEYS[1]  operation meta hash
  ARGV[1]  the lease's token
  Returns 1 when ARGV[1] was the current lease and it has ended, else 0.
]]
if redis.call('HGET', KEYS[1], 'lease-token') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'lease-owner', 'lease-token', 'lease-expiry')
return 1
`,
  'journaled',
);
