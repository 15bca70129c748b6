/**
 * The services the demo starts for itself when the user names none: a redis-server, the Spanner
 * emulator or the Datastore emulator, on a free loopback port, never whatever already listens on
 * a well-known one.
 *
 * A service lives as long as the run that uses it — except after a crash. A run killed with
 * SIGKILL (`--crash-after`, or from outside) cannot stop it, so it stays, written down in
 * `<data-dir>/<kind>.service.json`, and the next run takes it over: the progress it holds is
 * what that run resumes. The run that ends (done, failed, or refused) stops it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  DatastoreEmulator,
  freePort,
  HOST,
  portAnswers,
  RedisServer,
  running,
  SpannerEmulator,
  stopProcess,
} from '@checkpointkit/test-services';
import { BackendUnavailableError } from './open.js';

export type ServiceKind = 'redis' | 'spanner' | 'datastore';

const TITLES: Record<ServiceKind, string> = {
  redis: 'a redis-server',
  spanner: 'a Spanner emulator',
  datastore: 'a Datastore emulator',
};

/** What `<kind>.service.json` holds. */
interface ServiceRecord {
  readonly kind: ServiceKind;
  /** `host:port`. */
  readonly address: string;
  /** The process, or the process group it leads (`group`). */
  readonly pid: number;
  readonly group: boolean;
}

export interface LocalService {
  /** `host:port` on loopback. */
  readonly address: string;
  /** Stops the service and forgets it. */
  stop(): Promise<void>;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/** Whether the recorded service still runs. */
export function serviceAlive(record: Pick<ServiceRecord, 'pid' | 'group'>): boolean {
  return running(record.pid, { group: record.group });
}

function stopRecorded(record: ServiceRecord): Promise<void> {
  return stopProcess(record.pid, { group: record.group });
}

function readRecord(file: string, kind: ServiceKind): ServiceRecord | null {
  if (!existsSync(file)) return null;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as ServiceRecord;
    return record.kind === kind && Number.isSafeInteger(record.pid) ? record : null;
  } catch {
    return null;
  }
}

async function start(kind: ServiceKind, dataDir: string): Promise<ServiceRecord> {
  switch (kind) {
    case 'redis': {
      // AOF with fsync on every write in the data folder: like SQLite's file, the state outlives
      // the server, and the next run's server loads it.
      if (!onPath('redis-server')) {
        throw new Error(
          'redis-server is not installed (e.g. `apt-get install redis-server`); or give --redis-url',
        );
      }
      const dir = join(dataDir, 'redis');
      mkdirSync(dir, { recursive: true });
      const server = await RedisServer.start({
        dir,
        port: await freePort(),
        aof: true,
      });
      return { kind, address: `${HOST}:${server.port}`, pid: server.pid ?? -1, group: false };
    }
    case 'spanner': {
      const emulator = await SpannerEmulator.start();
      return { kind, address: emulator.hostPort, pid: emulator.pid ?? -1, group: true };
    }
    case 'datastore': {
      const emulator = await DatastoreEmulator.start({
        dir: join(dataDir, 'datastore-emulator'),
        outliveParent: true,
      });
      return { kind, address: emulator.host, pid: emulator.pid ?? -1, group: true };
    }
  }
}

/**
 * The demo's own service of `kind`: the one a crashed run left in `dataDir`, else a new one.
 * `log` says which, so that nobody wonders where the state went.
 */
export async function localService(
  kind: ServiceKind,
  dataDir: string,
  log: (line: string) => void,
): Promise<LocalService> {
  const file = join(dataDir, `${kind}.service.json`);
  let record = readRecord(file, kind);
  if (record && serviceAlive(record) && (await portAnswers(record.address))) {
    log(`using ${TITLES[kind]} at ${record.address} that an interrupted run left running`);
  } else {
    if (record) await stopRecorded(record);
    try {
      record = await start(kind, dataDir);
    } catch (error) {
      throw new BackendUnavailableError(
        `cannot start ${TITLES[kind]}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    writeFileSync(file, `${JSON.stringify(record)}\n`);
    log(
      `started ${TITLES[kind]} at ${record.address} for this run (it stops when the run ends; a crashed run leaves it for the next one)`,
    );
  }
  const running = record;
  return {
    address: running.address,
    async stop() {
      await stopRecorded(running);
      rmSync(file, { force: true });
    },
  };
}
