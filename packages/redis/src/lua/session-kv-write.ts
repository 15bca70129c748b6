import { defineScript } from '../scripts.js';

export const sessionKvWrite = defineScript(
  'session-kv-write',
  `--[[ session-kv-write: SessionBackend.kvSet / kvDelete — one field of a session KV namespace.
  KEYS[1]  the namespace's hash
  ARGV[1]  key
  ARGV[2]  '1' to set, '0' to delete
  ARGV[3]  value (set only)
  Journaled (lua/journal.ts): a resend after another write of the key must not undo that write.
  Returns 1.
]]
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
`,
  'journaled',
);
