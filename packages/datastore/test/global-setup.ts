/**
 * Starts one Datastore emulator (in memory, strongly consistent) on a free loopback port for the
 * whole run, and stops it — JVM included — afterwards, also when tests fail. Test files read its
 * address with inject('datastoreEmulatorHost') and isolate themselves by namespace. Without the
 * Google Cloud SDK's emulator or Java the run fails, saying what to install.
 */
import { DatastoreEmulator } from '@checkpointkit/test-services';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    datastoreEmulatorHost: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await DatastoreEmulator.start();
  project.provide('datastoreEmulatorHost', emulator.host);
  return () => emulator.stop();
}
