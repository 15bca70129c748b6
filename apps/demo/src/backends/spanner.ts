/**
 * --backend spanner: checkpointkit's tables (prefix `ckdemo`) and the demo's own `demo_effects`
 * table in one database, each order's effect inserted through the runOnce `Tx` (a Spanner
 * read-write transaction) so that it commits with the order's checkpoint or not at all.
 *
 * Which database: `--spanner-database projects/P/instances/I/databases/D` (a real one, with the
 * application default credentials), else the emulator in SPANNER_EMULATOR_HOST, else an emulator
 * the demo starts (./local-service.ts). On an emulator the demo makes its instance and database.
 */

import { createSpannerAdapter, type SpannerTx } from '@checkpointkit/spanner';
import { spannerEmulatorEnv } from '@checkpointkit/test-services';
import { type Database, Spanner } from '@google-cloud/spanner';
import type { ShopTotal } from '../stream.js';
import type { DemoBackend } from './backend.js';
import { type LocalService, localService } from './local-service.js';
import { type BackendOptions, BackendUnavailableError } from './open.js';

const TABLE_PREFIX = 'ckdemo';
const EFFECTS_TABLE = 'demo_effects';
const EFFECTS_DDL = `CREATE TABLE IF NOT EXISTS ${EFFECTS_TABLE} (
  OrderId STRING(64) NOT NULL,
  Shop STRING(64) NOT NULL,
  AmountCents INT64 NOT NULL
) PRIMARY KEY (OrderId)`;
/** Where the demo lives on an emulator. */
const EMULATOR_DATABASE = 'projects/checkpointkit-demo/instances/demo/databases/demo';

interface DatabasePath {
  readonly project: string;
  readonly instance: string;
  readonly database: string;
}

function parseDatabasePath(path: string): DatabasePath {
  const match = /^projects\/([^/]+)\/instances\/([^/]+)\/databases\/([^/]+)$/.exec(path);
  if (!match) {
    throw new BackendUnavailableError(
      `--spanner-database must look like projects/P/instances/I/databases/D, got ${JSON.stringify(path)}`,
    );
  }
  return {
    project: match[1] as string,
    instance: match[2] as string,
    database: match[3] as string,
  };
}

export async function openSpannerBackend(options: BackendOptions): Promise<DemoBackend<SpannerTx>> {
  let service: LocalService | null = null;
  let emulator = true;
  let path = parseDatabasePath(EMULATOR_DATABASE);
  if (options.spannerDatabase !== undefined) {
    path = parseDatabasePath(options.spannerDatabase);
    emulator = false;
  } else if (process.env.SPANNER_EMULATOR_HOST) {
    options.log(`using the Spanner emulator at ${process.env.SPANNER_EMULATOR_HOST}`);
  } else {
    service = await localService('spanner', options.dataDir, options.log);
  }
  if (emulator) {
    // The client settings the emulator needs; a user's own settings win.
    const env = spannerEmulatorEnv(
      service?.address ?? (process.env.SPANNER_EMULATOR_HOST as string),
    );
    for (const [name, value] of Object.entries(env)) process.env[name] ??= value;
    if (service) process.env.SPANNER_EMULATOR_HOST = service.address;
  }
  const spanner = new Spanner({ projectId: path.project });
  try {
    if (emulator) await ensureEmulatorDatabase(spanner, path);
    const database = spanner.instance(path.instance).database(path.database);
    await ensureEffectsTable(database);
    if (options.reset) await deleteDemoRows(database);
    const adapter = createSpannerAdapter(database, { tablePrefix: TABLE_PREFIX });
    await adapter.setup();
    return {
      name: 'spanner',
      adapter,
      recordEffect(tx, event) {
        tx.insert(EFFECTS_TABLE, {
          OrderId: event.id,
          Shop: event.shop,
          AmountCents: event.amountCents,
        });
      },
      async effectTotals(): Promise<Map<string, ShopTotal>> {
        const [rows] = await database.run({
          sql: `SELECT Shop, COUNT(*) AS Count, SUM(AmountCents) AS AmountCents FROM ${EFFECTS_TABLE} GROUP BY Shop ORDER BY Shop`,
          json: true,
        });
        return new Map(
          (rows as { Shop: string; Count: number; AmountCents: number }[]).map((r) => [
            r.Shop,
            { count: Number(r.Count), amountCents: Number(r.AmountCents) },
          ]),
        );
      },
      close: async () => {
        await adapter.close();
        await database.close();
        spanner.close();
        await service?.stop();
      },
    };
  } catch (error) {
    spanner.close();
    await service?.stop();
    throw error;
  }
}

/** The emulator starts empty: its instance and database, made once (a second run finds them). */
async function ensureEmulatorDatabase(spanner: Spanner, path: DatabasePath): Promise<void> {
  const admin = spanner.getInstanceAdminClient();
  try {
    const [operation] = await admin.createInstance({
      parent: admin.projectPath(path.project),
      instanceId: path.instance,
      instance: {
        config: admin.instanceConfigPath(path.project, 'emulator-config'),
        displayName: 'checkpointkit demo',
        nodeCount: 1,
      },
    });
    await operation.promise();
  } catch (error) {
    if ((error as { code?: number }).code !== 6) throw error; // 6: ALREADY_EXISTS
  }
  const instance = spanner.instance(path.instance);
  const [exists] = await instance.database(path.database).exists();
  if (!exists) {
    const [, operation] = await instance.createDatabase(path.database, { schema: [EFFECTS_DDL] });
    await operation.promise();
  }
}

async function tablesOf(database: Database): Promise<string[]> {
  const [rows] = await database.run({
    sql: `SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = '' AND (TABLE_NAME = @effects OR STARTS_WITH(TABLE_NAME, @prefix))`,
    params: { effects: EFFECTS_TABLE, prefix: `${TABLE_PREFIX}_` },
    json: true,
  });
  return (rows as { TABLE_NAME: string }[]).map((r) => r.TABLE_NAME);
}

async function ensureEffectsTable(database: Database): Promise<void> {
  if ((await tablesOf(database)).includes(EFFECTS_TABLE)) return;
  const [operation] = await database.updateSchema([EFFECTS_DDL]);
  await operation.promise();
}

/** --reset: every row of the demo's tables, by partitioned DML (interleaved children cascade). */
async function deleteDemoRows(database: Database): Promise<void> {
  for (const table of await tablesOf(database)) {
    await database.runPartitionedUpdate({ sql: `DELETE FROM ${table} WHERE TRUE` });
  }
}
