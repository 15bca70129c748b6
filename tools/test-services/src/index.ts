/**
 * @checkpointkit/test-services (private): the real services that checkpointkit's tests, the
 * demo's tests and the benchmarks start for themselves, on free loopback ports, and stop again.
 * Nothing here depends on a server someone started by hand (such as a redis-server on 6379).
 * Consumed as TypeScript source (vitest transforms it); never built, never published.
 */

export {
  type CrashRound,
  compactRounds,
  operationCheckpointRounds,
  type RoundChecker,
} from './crash-checks.js';
export { DatastoreEmulator, type DatastoreEmulatorOptions } from './datastore.js';
export {
  type ArmedProxyFault,
  FaultProxy,
  type ProxyFault,
  type ProxyFaultKind,
} from './fault-proxy.js';
export { GCLOUD_SDK_ROOT_ENV, gcloudSdkRoot } from './gcloud-sdk.js';
export {
  killProcessGroupNow,
  processAlive,
  processGroupAlive,
  running,
  stopProcess,
  stopProcessGroup,
} from './process-group.js';
export {
  freePort,
  HOST,
  makeTempDir,
  portAnswers,
  type RedisCluster,
  RedisServer,
  type RedisServerOptions,
  rawCommand,
  removeDir,
  startCluster,
} from './redis.js';
export {
  SpannerEmulator,
  type SpannerEmulatorOptions,
  spannerEmulatorBinaries,
  spannerEmulatorEnv,
} from './spanner.js';
export {
  forkWorker,
  type KilledWorker,
  killMidway,
  race,
  requireBuilt,
  type WorkerMessage,
  type WorkerProcess,
} from './worker-process.js';
