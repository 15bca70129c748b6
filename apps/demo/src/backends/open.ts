/** --backend: which adapter holds the demo's state. */
import type { DemoBackend } from './backend.js';

export const BACKENDS = ['sqlite', 'redis', 'spanner', 'datastore'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendOptions {
  /**
   * The demo's local files: SQLite's database, and the services it starts for itself (a Redis
   * AOF, the emulators' records). Absolute.
   */
  readonly dataDir: string;
  /** --redis-url; without it the demo starts its own redis-server. */
  readonly redisUrl: string | undefined;
  /** --spanner-database: a real database, `projects/P/instances/I/databases/D`. */
  readonly spannerDatabase: string | undefined;
  /** --datastore-project: a real project. */
  readonly datastoreProject: string | undefined;
  /** Delete the demo's state before starting. */
  readonly reset: boolean;
  /** One line for the user (stderr), about where the state lives. */
  readonly log: (line: string) => void;
}

/** The backend cannot be used as asked: one line that says why and what to do; exit code 2. */
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
      return (await import('./spanner.js')).openSpannerBackend(options) as Promise<DemoBackend>;
    case 'datastore':
      return (await import('./datastore.js')).openDatastoreBackend(options) as Promise<DemoBackend>;
  }
}
