/**
 * The whole benchmark run: starts what it needs (a redis-server on a free loopback port, SQLite
 * files in a temp dir, and — on first use by a suite — the Spanner and Datastore emulators on free
 * loopback ports), runs every suite in turn, and stops it all again. Suites run one after
 * another: on a 2-core machine anything in parallel would measure the neighbour.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gcloudSdkRoot, makeTempDir, removeDir } from '@checkpointkit/test-services';
import Database from 'better-sqlite3';
import type { BenchProfile } from './profile.js';
import type { BenchReport, Section } from './report/results.js';
import { type BenchDatastore, startBenchDatastore } from './services/datastore-service.js';
import { type BenchRedis, startBenchRedis } from './services/redis-service.js';
import { type BenchSpanner, startBenchSpanner } from './services/spanner-service.js';
import { groupsRedis } from './suites/groups-redis.js';
import { groupsSqlite } from './suites/groups-sqlite.js';
import { nodeState } from './suites/node-state.js';
import { operationsDatastore } from './suites/operations-datastore.js';
import { operationsRedis } from './suites/operations-redis.js';
import { operationsSpanner } from './suites/operations-spanner.js';
import { operationsSqlite } from './suites/operations-sqlite.js';
import { powertoolsRedis } from './suites/powertools-redis.js';
import { runOnceDatastore } from './suites/run-once-datastore.js';
import { runOnceRedis } from './suites/run-once-redis.js';
import { runOnceSpanner } from './suites/run-once-spanner.js';
import { runOnceSqlite } from './suites/run-once-sqlite.js';
import { sessionsRedis, sessionsSqlite } from './suites/sessions.js';

export interface SuiteContext {
  readonly profile: BenchProfile;
  /** Temp dir for SQLite files and child-process scratch space. */
  readonly dir: string;
  readonly redis: BenchRedis;
  /** The Spanner emulator and its database, started by the first suite that asks. */
  spanner(): Promise<BenchSpanner>;
  /** The Datastore emulator and a client, started by the first suite that asks. */
  datastore(): Promise<BenchDatastore>;
}

interface Suite {
  /** The section ids it produces, in order (the smoke test expects every one). */
  readonly sections: readonly string[];
  run(context: SuiteContext): Promise<Section[]>;
}

export const SUITES: readonly Suite[] = [
  {
    sections: ['run-once/sqlite'],
    run: async ({ profile, dir }) => [await runOnceSqlite(profile, dir)],
  },
  {
    sections: ['run-once/redis'],
    run: async ({ profile, redis }) => [await runOnceRedis(profile, redis)],
  },
  {
    sections: ['run-once/powertools'],
    run: async ({ profile, redis }) => [await powertoolsRedis(profile, redis)],
  },
  {
    sections: ['run-once/spanner'],
    run: async ({ profile, spanner }) => [await runOnceSpanner(profile, await spanner())],
  },
  {
    sections: ['run-once/datastore'],
    run: async ({ profile, datastore }) => [await runOnceDatastore(profile, await datastore())],
  },
  {
    sections: ['operations/sqlite'],
    run: async ({ profile, dir }) => [await operationsSqlite(profile, dir)],
  },
  {
    sections: ['operations/redis'],
    run: async ({ profile, redis }) => [await operationsRedis(profile, redis)],
  },
  {
    sections: ['operations/spanner'],
    run: async ({ profile, spanner }) => [await operationsSpanner(profile, await spanner())],
  },
  {
    sections: ['operations/datastore'],
    run: async ({ profile, datastore }) => [await operationsDatastore(profile, await datastore())],
  },
  {
    sections: ['groups/sqlite'],
    run: async ({ profile, dir }) => [await groupsSqlite(profile, dir)],
  },
  {
    sections: ['groups/redis'],
    run: async ({ profile, redis }) => [await groupsRedis(profile, redis)],
  },
  {
    sections: ['sessions/sqlite'],
    run: async ({ profile, dir }) => [await sessionsSqlite(profile, dir)],
  },
  {
    sections: ['sessions/redis'],
    run: async ({ profile, redis }) => [await sessionsRedis(profile, redis)],
  },
  {
    sections: ['nodes/sqlite'],
    run: async ({ profile, dir, redis }) => [await nodeState(profile, 'sqlite', dir, redis)],
  },
  {
    sections: ['nodes/redis'],
    run: async ({ profile, dir, redis }) => [await nodeState(profile, 'redis', dir, redis)],
  },
];

export const EXPECTED_SECTION_IDS: readonly string[] = SUITES.flatMap((suite) => suite.sections);

async function environment(redis: BenchRedis, profile: BenchProfile): Promise<string[]> {
  const info = await redis.client.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const memory = new Database(':memory:');
  const sqliteVersion = (memory.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  memory.close();
  const cpu = cpus();
  // dist/main.js → the bench's package.json, whose dependencies are pinned exactly.
  const manifest = createRequire(import.meta.url)('../package.json') as {
    dependencies: Record<string, string>;
  };
  const versions = Object.entries(manifest.dependencies)
    .filter(([, version]) => !version.startsWith('workspace:'))
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    `Node ${process.version} on ${process.platform}/${process.arch}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'})`,
    `load average at the start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ', ',
      )} — a shared machine: other work ran at the same time, so absolute numbers are rough; ratios are measured side by side (interleaved rounds) to cancel most of it`,
    `redis-server ${redisVersion} on a free loopback port, started by the bench (no persistence: appendonly no, no RDB saves)`,
    `SQLite ${sqliteVersion} through better-sqlite3, files on the local disk (ext4); the adapter's defaults: WAL, synchronous=FULL`,
    `libraries (exact versions): ${versions}`,
    `mode: ${profile.mode} — ${profile.rounds} interleaved rounds of ${profile.roundMs} ms per side and comparison (Powertools: ${profile.powertoolsOperationsPerRound} calls per side and round)`,
  ];
}

/** A service started on first use, stopped at the end of the run if it was. */
interface LazyService<T> {
  get(): Promise<T>;
  /** The started service, if any. */
  started(): Promise<T | null>;
}

function lazyService<T>(start: () => Promise<T>): LazyService<T> {
  let starting: Promise<T> | null = null;
  return {
    get: () => {
      starting ??= start();
      return starting;
    },
    started: async () => (starting ? await starting.catch(() => null) : null),
  };
}

/** The Google Cloud SDK's version (its VERSION file), which the emulators come with. */
function gcloudSdkVersion(): string {
  try {
    return readFileSync(join(gcloudSdkRoot(), 'VERSION'), 'utf8').trim();
  } catch {
    return 'unknown version';
  }
}

/** Which emulator ran the Spanner and Datastore rows, and that their timings are not production's. */
function emulatorLines(spanner: BenchSpanner | null, datastore: BenchDatastore | null): string[] {
  if (!spanner && !datastore) return [];
  const sdkVersion = gcloudSdkVersion();
  const lines: string[] = [];
  if (spanner) {
    lines.push(
      `Cloud Spanner emulator (Google Cloud SDK ${sdkVersion}) on free loopback ports (gRPC ${spanner.hostPort}), started by the bench; one database for both sides. It runs one read-write transaction per database at a time`,
    );
  }
  if (datastore) {
    lines.push(
      `Cloud Datastore emulator (Google Cloud SDK ${sdkVersion}) on a free loopback port (${datastore.host}), started by the bench: in memory, \`--consistency=1.0\``,
    );
  }
  lines.push(
    "emulator timings are not production's (one local process: no replication, network or storage of the service): for Spanner and Datastore read the ratios, not the ops/s",
  );
  return lines;
}

/**
 * The suites `--only` asks for (all of them without it). An id no suite produces is an error that
 * lists the ids: a typo must not run nothing and say nothing.
 */
export function selectSuites(only: readonly string[]): readonly Suite[] {
  const unknown = only.filter((id) => !EXPECTED_SECTION_IDS.includes(id));
  if (unknown.length > 0) {
    throw new Error(
      `--only: no section ${unknown.map((id) => JSON.stringify(id)).join(', ')}; the sections are ${EXPECTED_SECTION_IDS.join(', ')}`,
    );
  }
  return only.length === 0
    ? SUITES
    : SUITES.filter((suite) => suite.sections.some((id) => only.includes(id)));
}

export async function runBenchmarks(
  profile: BenchProfile,
  log: (line: string) => void,
  only: readonly string[] = [],
): Promise<BenchReport> {
  const suites = selectSuites(only);
  const startedAt = new Date();
  const started = performance.now();
  const dir = makeTempDir('bench');
  const redis = await startBenchRedis();
  const spanner = lazyService(startBenchSpanner);
  const datastore = lazyService(startBenchDatastore);
  try {
    const env = await environment(redis, profile);
    const sections: Section[] = [];
    for (const suite of suites) {
      const suiteStarted = performance.now();
      log(`▶ ${suite.sections.join(', ')}`);
      sections.push(
        ...(await suite.run({
          profile,
          dir,
          redis,
          spanner: spanner.get,
          datastore: datastore.get,
        })),
      );
      log(`  done in ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s`);
    }
    env.push(...emulatorLines(await spanner.started(), await datastore.started()));
    env.push(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
    );
    return {
      mode: profile.mode,
      startedAt,
      durationMs: performance.now() - started,
      environment: env,
      sections,
    };
  } finally {
    await (await spanner.started())?.stop();
    await (await datastore.started())?.stop();
    await redis.stop();
    removeDir(dir);
  }
}
