/**
 * Datastore clients for the tests: each on the run's emulator (never beyond loopback), and a
 * namespace per adapter so that test files and cases never see each other's entities.
 */
import { randomBytes } from 'node:crypto';
import { Datastore } from '@google-cloud/datastore';
import { inject } from 'vitest';

export const PROJECT_ID = 'checkpointkit-test';

export function emulatorHost(): string {
  return inject('datastoreEmulatorHost');
}

/** A client of the emulator, as a user would make one (DATASTORE_EMULATOR_HOST semantics). */
export function newClient(options: { namespace?: string | undefined } = {}): Datastore {
  return new Datastore({
    projectId: PROJECT_ID,
    apiEndpoint: emulatorHost(),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
}

/** A namespace nobody else uses. */
export function uniqueNamespace(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

/** Deletes every entity of `namespace` (a kindless keys-only query, then batched deletes). */
export async function deleteNamespace(datastore: Datastore, namespace: string): Promise<void> {
  const [entities] = await datastore.runQuery(
    datastore.createQuery(namespace, []).select('__key__'),
  );
  const keys = entities.map((entity) => entity[datastore.KEY]);
  for (let i = 0; i < keys.length; i += 500) await datastore.delete(keys.slice(i, i + 500));
}
