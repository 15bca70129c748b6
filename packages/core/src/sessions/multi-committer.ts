/**
 * MultiCommitter: one session across several Committables, identified by an idempotency key,
 * replayable after a crash. Backend-agnostic: its only durable state is two kinds of record in
 * a SessionKV:
 *
 *   "session"        {key, state: "open" | "finished", id?}  — the current or last session
 *   "done:<sha256>"  the combined id of a finished session, one per key ever finished
 *
 * Timeline of a session and what a crash at each point leaves:
 *
 *   begin:  KV "session" = open(key)    crash → next begin(key) recovers; other keys are refused
 *           participants begin          (name order)
 *   commit: participants commit         crash → recovery: participants that committed skip
 *           KV "done:<key>" = id        crash → next begin sees the done record: finished
 *           KV "session" = finished
 *
 * A finished key replayed later returns its recorded id and applies nothing: participants are
 * begun in recovery (so the caller's writes are accepted) and then cancelled.
 */
import {
  bytesEqual,
  compareUtf8,
  concatBytes,
  copyBytes,
  fromHex,
  lengthPrefixed,
  sha256,
  sha256Hex,
  toHex,
  utf8Decode,
  utf8Encode,
} from '../bytes.js';
import { IdempotencyKeyMismatchError, SessionStateError, ValidationError } from '../errors.js';
import { requireName } from '../validation.js';
import { requireIdempotencyKey } from './limits.js';
import type { Committable, SessionKV } from './types.js';

export type SessionEvent =
  | { readonly type: 'begin'; readonly key: Uint8Array; readonly mode: SessionMode }
  | {
      readonly type: 'commit';
      readonly key: Uint8Array;
      readonly id: Uint8Array;
      readonly mode: SessionMode;
    }
  | { readonly type: 'cancel'; readonly key: Uint8Array; readonly reason: unknown };

/** fresh: a new key; recovery: the key of an unfinished session; replay: an already finished key. */
export type SessionMode = 'fresh' | 'recovery' | 'replay';

export interface MultiCommitterOptions {
  /** Called for begin, commit and cancel (the seed's logger). */
  readonly onEvent?: (event: SessionEvent) => void;
}

interface SessionRecord {
  readonly key: string;
  readonly state: 'open' | 'finished';
  readonly id?: string;
}

interface OpenSession {
  readonly key: Uint8Array;
  readonly mode: SessionMode;
  readonly replayId: Uint8Array | null;
  /** The KV record before begin, restored by an explicit cancel() of a fresh session. */
  readonly previous: Uint8Array | null;
  commitStarted: boolean;
}

const SESSION = 'session';
const doneKey = (key: Uint8Array): string => `done:${sha256Hex(key)}`;

/** sha256 over (name, id) for each participant in name order, both length-prefixed. */
export function combinedSessionId(
  ids: readonly (readonly [name: string, id: Uint8Array])[],
): Uint8Array {
  return sha256(
    concatBytes(
      ids.flatMap(([name, id]) => [lengthPrefixed(utf8Encode(name)), lengthPrefixed(id)]),
    ),
  );
}

export class MultiCommitter {
  private readonly participants = new Map<string, Committable>();
  private session: OpenSession | null = null;
  /** Serializes begin/commit/cancel of this committer. */
  private busy = false;

  constructor(
    private readonly kv: SessionKV,
    committables: Record<string, Committable> = {},
    private readonly options: MultiCommitterOptions = {},
  ) {
    for (const method of ['get', 'set', 'delete'] as const) {
      if (typeof kv?.[method] !== 'function')
        throw new ValidationError('kv', `must have a ${method}() method`);
    }
    for (const [name, c] of Object.entries(committables)) this.register(name, c);
  }

  register(name: string, committable: Committable): void {
    const n = requireName('name', name, 256);
    for (const method of ['begin', 'beginRecovery', 'commit', 'cancel'] as const) {
      if (typeof committable?.[method] !== 'function') {
        throw new ValidationError('committable', `must have a ${method}() method`);
      }
    }
    if (this.session || this.busy)
      throw new SessionStateError(`cannot register ${JSON.stringify(n)} while a session is open`);
    if (this.participants.has(n))
      throw new ValidationError('name', `${JSON.stringify(n)} is already registered`);
    this.participants.set(n, committable);
  }

  /** The key of a session left unfinished (by a crash), to be replayed with begin(key), or null. */
  async unfinishedKey(): Promise<Uint8Array | null> {
    const record = await this.readRecord();
    if (record?.state !== 'open') return null;
    const key = fromHex(record.key);
    return (await this.kv.get(doneKey(key))) ? null : key;
  }

  async begin(idempotencyKey: Uint8Array): Promise<void> {
    if (this.session || this.busy)
      throw new SessionStateError('a session is already open on this committer');
    const key = copyBytes(requireIdempotencyKey(idempotencyKey));
    this.busy = true;
    try {
      const previous = await this.kv.get(SESSION);
      const record = previous ? decodeRecord(previous) : null;
      let mode: SessionMode = 'fresh';
      let replayId: Uint8Array | null = null;
      if (record?.state === 'open' && !(await this.kv.get(doneKey(fromHex(record.key))))) {
        if (record.key !== toHex(key)) {
          throw new IdempotencyKeyMismatchError({ openKey: record.key, requestedKey: toHex(key) });
        }
        mode = 'recovery';
      } else {
        replayId = await this.kv.get(doneKey(key));
        if (replayId) mode = 'replay';
      }
      // The key is durable before any participant begins.
      if (mode === 'fresh')
        await this.kv.set(SESSION, encodeRecord({ key: toHex(key), state: 'open' }));
      const begun: Committable[] = [];
      try {
        for (const [, participant] of this.ordered()) {
          begun.push(participant);
          if (mode === 'fresh') await participant.begin(key);
          else await participant.beginRecovery(key);
        }
      } catch (error) {
        await cancelAll(begun).catch(() => undefined);
        this.options.onEvent?.({ type: 'cancel', key, reason: error });
        throw error;
      }
      this.session = { key, mode, replayId, previous, commitStarted: false };
      this.options.onEvent?.({ type: 'begin', key, mode });
    } finally {
      this.busy = false;
    }
  }

  async commit(idempotencyKey: Uint8Array): Promise<Uint8Array> {
    const session = this.session;
    if (!session || this.busy) throw new SessionStateError('commit() needs an open session');
    const key = requireIdempotencyKey(idempotencyKey);
    if (!bytesEqual(key, session.key)) {
      throw new IdempotencyKeyMismatchError({
        openKey: toHex(session.key),
        requestedKey: toHex(key),
      });
    }
    this.busy = true;
    try {
      if (session.mode === 'replay' && session.replayId) {
        await cancelAll(this.ordered().map(([, p]) => p));
        const id = copyBytes(session.replayId);
        this.options.onEvent?.({ type: 'commit', key: session.key, id, mode: 'replay' });
        return id;
      }
      session.commitStarted = true;
      const ids: [string, Uint8Array][] = [];
      try {
        for (const [name, participant] of this.ordered())
          ids.push([name, await participant.commit(session.key)]);
        const id = combinedSessionId(ids);
        await this.kv.set(doneKey(session.key), id);
        await this.kv.set(
          SESSION,
          encodeRecord({ key: toHex(session.key), state: 'finished', id: toHex(id) }),
        );
        this.options.onEvent?.({ type: 'commit', key: session.key, id, mode: session.mode });
        return id;
      } catch (error) {
        // Leave the KV open: the same key recovers, and participants that committed will skip.
        await cancelAll(this.ordered().map(([, p]) => p)).catch(() => undefined);
        this.options.onEvent?.({ type: 'cancel', key: session.key, reason: error });
        throw error;
      }
    } finally {
      this.session = null;
      this.busy = false;
    }
  }

  async cancel(): Promise<void> {
    const session = this.session;
    if (!session || this.busy) return;
    this.busy = true;
    try {
      await cancelAll(this.ordered().map(([, p]) => p));
      if (session.mode === 'fresh' && !session.commitStarted) {
        // Nothing was applied anywhere: back to the KV as it was before begin.
        if (session.previous) await this.kv.set(SESSION, session.previous);
        else await this.kv.delete(SESSION);
      }
      this.options.onEvent?.({ type: 'cancel', key: session.key, reason: 'cancelled' });
    } finally {
      this.session = null;
      this.busy = false;
    }
  }

  private ordered(): [string, Committable][] {
    return [...this.participants].sort(([a], [b]) => compareUtf8(a, b));
  }

  private async readRecord(): Promise<SessionRecord | null> {
    const raw = await this.kv.get(SESSION);
    return raw ? decodeRecord(raw) : null;
  }
}

/** Cancels every participant in order, even if some cancel() fails; rethrows the first failure. */
async function cancelAll(participants: readonly Committable[]): Promise<void> {
  let first: unknown = null;
  for (const p of participants) {
    try {
      await p.cancel();
    } catch (error) {
      first ??= error;
    }
  }
  if (first) throw first;
}

function encodeRecord(record: SessionRecord): Uint8Array {
  return utf8Encode(JSON.stringify(record));
}

function decodeRecord(raw: Uint8Array): SessionRecord {
  return JSON.parse(utf8Decode(raw)) as SessionRecord;
}
