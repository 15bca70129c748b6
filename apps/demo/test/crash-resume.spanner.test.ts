// The demo on Cloud Spanner, killed anywhere and resumed (see support/demo-runs.ts), against a
// Spanner emulator this test starts on free loopback ports and hands over in
// SPANNER_EMULATOR_HOST, as a user with an emulator of their own would.
import {
  makeTempDir,
  removeDir,
  SpannerEmulator,
  spannerEmulatorEnv,
} from '@checkpointkit/test-services';
import { afterAll, beforeAll, describe } from 'vitest';
import { crashAndResume } from './support/demo-runs.js';

describe('the demo survives SIGKILL anywhere and resumes', () => {
  let emulator: SpannerEmulator | undefined;
  const dataDir = makeTempDir('demo-spanner');
  beforeAll(async () => {
    emulator = await SpannerEmulator.start();
  });
  afterAll(async () => {
    await emulator?.stop();
    removeDir(dataDir);
  });
  crashAndResume({
    name: 'spanner',
    args: () => ['--backend', 'spanner', '--data-dir', dataDir],
    env: () => spannerEmulatorEnv(emulator?.hostPort ?? ''),
    // Every order is a read-write transaction on the emulator, one at a time: a smaller stream.
    events: 600,
    // The reference run on SQLite: one whole run fewer on the emulator.
    referenceOn: 'sqlite',
    // About 17 runs of the demo: minutes on a busy 2-core machine.
    timeoutMs: 900_000,
  });
});
