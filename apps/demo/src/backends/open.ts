/** --backend: which adapter holds the demo's state. */
import type { DemoBackend } from './backend.js';

export const BACKENDS = ['sqlite', 'redis', 'spanner', 'datastore'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendOptions {
  /** Where relative paths start (the user's working directory). */
  readonly baseDir: string;
  /** SQLite: the folder of the database file; default <baseDir>/.demo-data. */
  readonly dataDir: string | undefined;
  readonly redisUrl: string;
  /** Delete the demo's state before starting. */
  readonly reset: boolean;
}

export class BackendUnavailableError extends Error {}

export async function openBackend(
  name: BackendName,
  options: BackendOptions,
): Promise<DemoBackend> {
  switch (name) {
    case 'sqlite':
      return (await import('./sqlite.js')).openSqliteBackend(options) as Promise<DemoBackend>;
    case 'redis':
      return (await import('./redis.js')).openRedisBackend(options) as Promise<DemoBackend>;
    case 'spanner':
    case 'datastore':
      throw new BackendUnavailableError(
        `the ${name} adapter (@checkpointkit/${name}) has not landed yet; use --backend sqlite or --backend redis`,
      );
  }
}
