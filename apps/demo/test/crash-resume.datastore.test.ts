// The demo on Cloud Datastore, killed anywhere and resumed (see support/demo-runs.ts), against a
// Datastore emulator this test starts on a free loopback port and hands over in
// DATASTORE_EMULATOR_HOST, as a user with an emulator of their own would.
import { DatastoreEmulator, makeTempDir, removeDir } from '@checkpointkit/test-services';
import { afterAll, beforeAll, describe } from 'vitest';
import { crashAndResume } from './support/demo-runs.js';

describe('the demo survives SIGKILL anywhere and resumes', () => {
  let emulator: DatastoreEmulator | undefined;
  const dataDir = makeTempDir('demo-datastore');
  beforeAll(async () => {
    emulator = await DatastoreEmulator.start();
  });
  afterAll(async () => {
    await emulator?.stop();
    removeDir(dataDir);
  });
  crashAndResume({
    name: 'datastore',
    args: () => ['--backend', 'datastore', '--data-dir', dataDir],
    env: () => ({ DATASTORE_EMULATOR_HOST: emulator?.host ?? '' }),
    // Every order is a transaction on the emulator: a smaller stream.
    events: 600,
    // The reference run on SQLite: one whole run fewer on the emulator.
    referenceOn: 'sqlite',
    // About 17 runs of the demo: minutes on a busy 2-core machine.
    timeoutMs: 900_000,
  });
});
