// The demo on Redis, killed anywhere and resumed (see support/demo-runs.ts), against a
// redis-server this test starts: AOF with fsync on every write, on a free loopback port.
import { freePort, makeTempDir, RedisServer, removeDir } from '@checkpointkit/test-services';
import { afterAll, beforeAll, describe } from 'vitest';
import { crashAndResume } from './support/demo-runs.js';

describe('the demo survives SIGKILL anywhere and resumes', () => {
  let server: RedisServer | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = makeTempDir('demo-redis');
    server = await RedisServer.start({ dir, port: await freePort(), aof: true });
  });
  afterAll(async () => {
    await server?.stop();
    removeDir(dir);
  });
  crashAndResume({
    name: 'redis',
    args: () => ['--backend', 'redis', '--redis-url', `redis://127.0.0.1:${server?.port}`],
  });
});
