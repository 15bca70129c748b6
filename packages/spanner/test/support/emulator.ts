/**
 * Databases on the test emulators: one Spanner client per emulator and test process, one
 * instance per emulator, and a fresh database per adapter (the emulator runs one read-write
 * transaction at a time per database, so databases keep tests from aborting each other).
 */

import { spannerEmulatorEnv } from '@checkpointkit/test-services';
import { type Database, Spanner } from '@google-cloud/spanner';

export const TEST_PROJECT = 'checkpointkit-test';
export const TEST_INSTANCE = 'checkpointkit';

const clients = new Map<string, Promise<Spanner>>();
let databaseCounter = 0;

/**
 * The client reads the emulator host and its session settings from the environment when it is
 * made; the test process talks to one emulator at a time, so the environment is set here.
 */
function useEmulator(hostPort: string): void {
  Object.assign(process.env, spannerEmulatorEnv(hostPort));
}

async function ensureInstance(spanner: Spanner): Promise<void> {
  const admin = spanner.getInstanceAdminClient();
  try {
    const [operation] = await admin.createInstance({
      parent: admin.projectPath(TEST_PROJECT),
      instanceId: TEST_INSTANCE,
      instance: {
        config: admin.instanceConfigPath(TEST_PROJECT, 'emulator-config'),
        displayName: 'checkpointkit tests',
        nodeCount: 1,
      },
    });
    await operation.promise();
  } catch (error) {
    // Another test process made it first.
    if ((error as { code?: number }).code !== 6) throw error;
  }
}

/** The client for `hostPort`, its instance created. Never closed before the process ends. */
export function emulatorClient(hostPort: string): Promise<Spanner> {
  let client = clients.get(hostPort);
  if (!client) {
    client = (async () => {
      useEmulator(hostPort);
      const spanner = new Spanner({ projectId: TEST_PROJECT });
      await ensureInstance(spanner);
      return spanner;
    })();
    clients.set(hostPort, client);
  }
  return client;
}

/** A database name unique to this process: [a-z][a-z0-9-]{1,28}[a-z0-9]. */
function databaseName(label: string): string {
  databaseCounter += 1;
  return `${label}-${process.pid}-${databaseCounter}`.toLowerCase().slice(0, 30);
}

/** A fresh, empty database on the emulator at `hostPort`. */
export async function createTestDatabase(
  hostPort: string,
  label = 'ck',
  extraStatements: readonly string[] = [],
): Promise<Database> {
  const spanner = await emulatorClient(hostPort);
  const admin = spanner.getDatabaseAdminClient();
  const name = databaseName(label);
  const [operation] = await admin.createDatabase({
    parent: admin.instancePath(TEST_PROJECT, TEST_INSTANCE),
    createStatement: `CREATE DATABASE \`${name}\``,
    extraStatements: [...extraStatements],
  });
  await operation.promise();
  return spanner.instance(TEST_INSTANCE).database(name);
}

/** Drops a database made by createTestDatabase (after closing its sessions). */
export async function dropTestDatabase(hostPort: string, database: Database): Promise<void> {
  const spanner = await emulatorClient(hostPort);
  const name = database.formattedName_.split('/').pop() ?? '';
  await database.close();
  const admin = spanner.getDatabaseAdminClient();
  await admin.dropDatabase({ database: admin.databasePath(TEST_PROJECT, TEST_INSTANCE, name) });
}

/** The database id (last part of its name), for handing to worker processes. */
export function databaseId(database: Database): string {
  return database.formattedName_.split('/').pop() ?? '';
}
