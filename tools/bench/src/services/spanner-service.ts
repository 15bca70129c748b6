/**
 * The bench's own Cloud Spanner emulator (test-services: the SDK's gateway_main + emulator_main on
 * free loopback ports, stopped as one process group) with one instance and one database, and the
 * one Spanner client that ours and the raw baseline share, its RPCs counted.
 *
 * The database holds the adapter's tables (setup() under the prefix `bench`, made by the suites),
 * the same tables under the prefix `raw` for the baselines (`spannerDdl('raw')`: rows of the same
 * shape, the same keys and indexes), and the users' own table on each side:
 *
 *   bench_charges (OrderId STRING PK, Cents INT64)   written through the adapter's tx
 *   raw_charges   (OrderId STRING PK, Cents INT64)   written by the raw transaction
 *
 * The emulator runs one read-write transaction per database at a time: a second one is aborted,
 * even on other rows (packages/spanner/README.md, "The emulator"). The two sides of a comparison
 * run one after the other, never at once, so they never abort each other.
 */
import { spannerDdl } from '@checkpointkit/spanner';
import { SpannerEmulator } from '@checkpointkit/test-services';
import { type Database, Spanner } from '@google-cloud/spanner';
import { countSpannerRpcs, type RpcCounter } from '../counting/google-rpcs.js';

const PROJECT_ID = 'checkpointkit-bench';
const INSTANCE_ID = 'bench';
const DATABASE_ID = 'bench';

export const SPANNER_OURS_PREFIX = 'bench';
export const SPANNER_RAW_PREFIX = 'raw';

const chargesDdl = (table: string): string =>
  `CREATE TABLE ${table} (OrderId STRING(MAX) NOT NULL, Cents INT64 NOT NULL) PRIMARY KEY (OrderId)`;

export interface BenchSpanner {
  readonly database: Database;
  readonly rpcs: RpcCounter;
  /** e.g. "127.0.0.1:41234". */
  readonly hostPort: string;
  stop(): Promise<void>;
}

export async function startBenchSpanner(): Promise<BenchSpanner> {
  const emulator = await SpannerEmulator.start();
  try {
    // The client reads the emulator host and its session settings from the environment.
    Object.assign(process.env, emulator.env);
    const spanner = new Spanner({ projectId: PROJECT_ID });
    const instanceAdmin = spanner.getInstanceAdminClient();
    const [instanceOperation] = await instanceAdmin.createInstance({
      parent: instanceAdmin.projectPath(PROJECT_ID),
      instanceId: INSTANCE_ID,
      instance: {
        config: instanceAdmin.instanceConfigPath(PROJECT_ID, 'emulator-config'),
        displayName: 'checkpointkit bench',
        nodeCount: 1,
      },
    });
    await instanceOperation.promise();
    const databaseAdmin = spanner.getDatabaseAdminClient();
    const [databaseOperation] = await databaseAdmin.createDatabase({
      parent: databaseAdmin.instancePath(PROJECT_ID, INSTANCE_ID),
      createStatement: `CREATE DATABASE \`${DATABASE_ID}\``,
      extraStatements: [
        ...spannerDdl(SPANNER_RAW_PREFIX),
        chargesDdl(`${SPANNER_OURS_PREFIX}_charges`),
        chargesDdl(`${SPANNER_RAW_PREFIX}_charges`),
      ],
    });
    await databaseOperation.promise();
    const rpcs = countSpannerRpcs(spanner);
    const database = spanner.instance(INSTANCE_ID).database(DATABASE_ID);
    return {
      database,
      rpcs,
      hostPort: emulator.hostPort,
      stop: async () => {
        await database.close();
        spanner.close();
        await emulator.stop();
      },
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
