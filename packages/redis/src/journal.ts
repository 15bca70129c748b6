/**
 * Exactly once across lost replies. A write sent to Redis can end three ways for the adapter: a
 * reply (it ran, or not, as the reply says); a resend by ioredis after it reconnected (its
 * default for commands left unanswered); or a rejection without a reply (ioredis with
 * `maxRetriesPerRequest: 0`, an AbortError, a dropped Cluster node). Redis may have applied the
 * write in the last two cases, so:
 *
 *   - every write that is not idempotent by itself carries a nonce (./nonce.ts) and either its
 *     own record holds it (`keyed`: checkpoint inserts, runOnce units) or a journal entry under
 *     the write's hash tag records its reply (`journaled`: appends, leases, CAS commits, KV);
 *     a resend then returns the first reply instead of applying the write again;
 *   - after a rejection, `settle` fixes the outcome with one more script on the entry: the
 *     recorded reply if the write ran, else the entry is marked abandoned, so a copy still on
 *     its way is refused, and the write is reported as not applied (retryable);
 *   - only when Redis stays unreachable for `settleTimeoutMs`, or a resend arrives after the
 *     `resendWindowMs` (its entry may be gone), does the caller get core's OutcomeUnknownError.
 *
 *   timeline (journaled)        client                  Redis
 *     t0  send  w(nonce n)       ──────────────────────▶ runs w; SET entry(n) = reply, PX ttl
 *     t1  reply lost             ◀────── ✂
 *     t2  resend w(n) | settle   ──────────────────────▶ entry(n) exists: return its reply
 *     t3  next write on the tag  ── forget [entry(n)] ─▶ DEL entry(n) (no resend of n can come)
 *
 * Entries are deleted by the next write of this process under the same tag, once the reply of
 * theirs arrived; the rest expire after the window plus an allowance for clock skew.
 */
import {
  BackendError,
  type CheckpointKitError,
  OutcomeUnknownError,
  sleep,
} from '@checkpointkit/core';
import { isConnectionLoss, translateRedisError } from './errors.js';
import type { KeyLayout } from './key-layout.js';
import { journalSettle } from './lua/journal-settle.js';
import { newNonce } from './nonce.js';
import type { RedisScript, ScriptArg, ScriptRunner } from './scripts.js';

/** How far apart the clocks of a client and its Redis may be (setup() checks it). */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;
/** Entries forgotten per write, and tags remembered for forgetting, at most. */
const FORGET_PER_WRITE = 32;
const FORGET_TAGS = 4096;
const SETTLE_FIRST_DELAY_MS = 25;
const SETTLE_MAX_DELAY_MS = 1000;

export interface JournalOptions {
  readonly resendWindowMs: number;
  readonly settleTimeoutMs: number;
}

/** A keyed write's entry: the last KEY of its script; `nonce` goes into its record. */
export interface KeyedWrite {
  readonly nonce: string;
  readonly entry: string;
}

type Tagged = [string, ...unknown[]];
const tagged = (reply: unknown, tag: string): boolean =>
  Array.isArray(reply) && (reply as Tagged)[0] === tag;

export class WriteJournal {
  /** Hash tag → entries of writes whose replies arrived, to delete with the tag's next write. */
  private readonly forgettable = new Map<string, string[]>();

  constructor(
    private readonly scripts: ScriptRunner,
    private readonly layout: KeyLayout,
    private readonly options: JournalOptions,
  ) {}

  get entryTtlMs(): number {
    return this.options.resendWindowMs + CLOCK_SKEW_ALLOWANCE_MS;
  }

  /** Runs a `journaled` script under `tag`; returns its reply, exactly once applied. */
  async write(
    script: RedisScript,
    tag: string,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    const entry = this.layout.journalEntry(tag, newNonce());
    const forget = this.take(tag);
    let reply: unknown;
    try {
      reply = await this.scripts.runUntranslated(
        script,
        [...keys, entry, ...forget],
        [...args, forget.length, Date.now(), this.options.resendWindowMs, this.entryTtlMs],
      );
    } catch (error) {
      this.keep(tag, forget);
      if (!isConnectionLoss(error)) throw translateRedisError(error, script.name);
      const settled = await this.settle(script.name, entry, error);
      if (tagged(settled, 'abandoned')) throw notApplied(script.name, error);
      reply = (settled as Tagged)[1] ?? null;
    }
    this.keep(tag, [entry]);
    if (tagged(reply, 'stale')) {
      throw new OutcomeUnknownError(
        script.name,
        `Redis received a resend more than ${this.options.resendWindowMs} ms (resendWindowMs) after it was sent; the first copy may have been applied`,
      );
    }
    if (tagged(reply, 'abandoned')) throw abandonedReply(script.name);
    return reply;
  }

  /** A nonce (a new one unless given) and its entry, for a `keyed` script under `tag`. */
  keyed(tag: string, nonce: string = newNonce()): KeyedWrite {
    return { nonce, entry: this.layout.journalEntry(tag, nonce) };
  }

  /**
   * Runs a `keyed` script; after a lost reply, settles it: the entry is marked abandoned (a copy
   * still on its way is refused from then on), then `applied()` reads the record back — true if
   * it holds this write's nonce. Returns the script's reply, or `onApplied()` when a lost reply
   * is settled as applied.
   */
  async writeKeyed(
    script: RedisScript,
    write: KeyedWrite,
    keys: readonly string[],
    args: readonly ScriptArg[],
    settled: { applied(): Promise<boolean>; onApplied(): unknown },
  ): Promise<unknown> {
    let reply: unknown;
    try {
      reply = await this.scripts.runUntranslated(script, [...keys, write.entry], args);
    } catch (error) {
      if (!isConnectionLoss(error)) throw translateRedisError(error, script.name);
      await this.settle(script.name, write.entry, error);
      let applied: boolean;
      try {
        applied = await settled.applied();
      } catch (readError) {
        throw new OutcomeUnknownError(script.name, 'the read-back after a lost reply failed', {
          cause: readError,
        });
      }
      if (!applied) throw notApplied(script.name, error);
      return settled.onApplied();
    }
    if (tagged(reply, 'abandoned')) throw abandonedReply(script.name);
    return reply;
  }

  /** journal-settle until Redis answers, for at most settleTimeoutMs. */
  private async settle(what: string, entry: string, lost: unknown): Promise<unknown> {
    const deadline = Date.now() + this.options.settleTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.scripts.runUntranslated(journalSettle, [entry], [this.entryTtlMs]);
      } catch (error) {
        if (!isConnectionLoss(error)) {
          throw new OutcomeUnknownError(what, 'settling a lost reply failed', { cause: error });
        }
        if (Date.now() >= deadline) {
          throw new OutcomeUnknownError(
            what,
            `the connection dropped before the reply, and Redis stayed unreachable for ${this.options.settleTimeoutMs} ms (settleTimeoutMs)`,
            { cause: lost },
          );
        }
        await sleep(Math.min(SETTLE_MAX_DELAY_MS, SETTLE_FIRST_DELAY_MS * 2 ** attempt));
      }
    }
  }

  private take(tag: string): string[] {
    const entries = this.forgettable.get(tag);
    if (!entries) return [];
    const taken = entries.splice(0, FORGET_PER_WRITE);
    if (entries.length === 0) this.forgettable.delete(tag);
    return taken;
  }

  private keep(tag: string, entries: readonly string[]): void {
    if (entries.length === 0) return;
    const list = this.forgettable.get(tag);
    if (list) {
      list.push(...entries);
      return;
    }
    if (this.forgettable.size >= FORGET_TAGS) {
      // The oldest tag's entries are left to expire.
      const oldest = this.forgettable.keys().next().value as string;
      this.forgettable.delete(oldest);
    }
    this.forgettable.set(tag, [...entries]);
  }
}

function notApplied(what: string, cause: unknown): CheckpointKitError {
  return new BackendError(
    `${what}: the connection dropped before Redis applied it; nothing was written (settled), safe to retry`,
    { cause, retryable: true },
  );
}

/** Only a write whose nonce was reused could see this: its entry was settled as abandoned. */
function abandonedReply(what: string): CheckpointKitError {
  return new OutcomeUnknownError(what, 'Redis refused it as an abandoned write');
}
