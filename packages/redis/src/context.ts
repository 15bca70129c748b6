/** What every primitive of one adapter shares. */
import type { RedisClient } from './connection.js';
import type { WriteJournal } from './journal.js';
import type { KeyLayout } from './key-layout.js';
import type { ResolvedRedisOptions } from './options.js';
import type { ScriptRunner } from './scripts.js';
import type { Units } from './tx/unit.js';

export interface RedisContext {
  readonly client: RedisClient;
  readonly scripts: ScriptRunner;
  readonly layout: KeyLayout;
  readonly units: Units;
  readonly journal: WriteJournal;
  readonly options: ResolvedRedisOptions;
}
