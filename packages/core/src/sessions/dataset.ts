/** CommittableDataset, written once over SessionBackend's dataset primitives. */
import {
  bytesEqual,
  compareUtf8,
  concatBytes,
  copyBytes,
  lengthPrefixed,
  sha256,
  toHex,
  utf8Encode,
} from '../bytes.js';
import { IdempotencyKeyMismatchError, SessionStateError } from '../errors.js';
import { requireBytes, requireName } from '../validation.js';
import { decideDatasetApply, type SessionBackend } from './backend.js';
import { MAX_SESSION_KEY_BYTES, MAX_SESSION_VALUE_BYTES, requireIdempotencyKey } from './limits.js';
import type {
  CommittableDataset,
  CommittableDatasetOptions,
  DatasetChange,
  DatasetMarker,
} from './types.js';

const SET = Uint8Array.of(1);
const DELETE = Uint8Array.of(0);

/**
 * The dataset's session id: sha256 over its effective changes (the last change per key) in
 * byte-wise key order, each framed as (key, op, value) with length prefixes. Call order and
 * overwritten intermediate values do not change it.
 */
export function datasetChangesId(changes: readonly DatasetChange[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const c of changes) {
    parts.push(lengthPrefixed(utf8Encode(c.key)));
    parts.push(c.value === null ? DELETE : SET);
    if (c.value !== null) parts.push(lengthPrefixed(c.value));
  }
  return sha256(concatBytes(parts));
}

interface OpenSession {
  readonly key: Uint8Array;
  readonly changes: Map<string, Uint8Array | null>;
}

export class Dataset<Tx> implements CommittableDataset {
  private session: OpenSession | null = null;
  private readonly monotonicKeys: boolean;

  constructor(
    private readonly backend: SessionBackend<Tx>,
    readonly name: string,
    private readonly options: CommittableDatasetOptions<Tx>,
  ) {
    this.monotonicKeys = options.monotonicKeys === true;
  }

  begin(idempotencyKey: Uint8Array): Promise<void> {
    return this.open(idempotencyKey);
  }

  /** Recovery needs nothing more: the marker check at commit skips what was already applied. */
  beginRecovery(idempotencyKey: Uint8Array): Promise<void> {
    return this.open(idempotencyKey);
  }

  set(key: string, value: Uint8Array): void {
    const session = this.requireSession('set');
    const k = requireName('key', key, MAX_SESSION_KEY_BYTES);
    session.changes.set(k, copyBytes(requireBytes('value', value, MAX_SESSION_VALUE_BYTES)));
  }

  delete(key: string): void {
    const session = this.requireSession('delete');
    session.changes.set(requireName('key', key, MAX_SESSION_KEY_BYTES), null);
  }

  async commit(idempotencyKey: Uint8Array): Promise<Uint8Array> {
    const session = this.requireSession('commit');
    const key = requireIdempotencyKey(idempotencyKey);
    if (!bytesEqual(key, session.key)) {
      throw new IdempotencyKeyMismatchError({
        openKey: toHex(session.key),
        requestedKey: toHex(key),
      });
    }
    const changes = [...session.changes]
      .sort(([a], [b]) => compareUtf8(a, b))
      .map(([k, value]): DatasetChange => ({ key: k, value }));
    const id = datasetChangesId(changes);
    const outcome = await this.backend.datasetApply(
      this.name,
      changes,
      { key: copyBytes(key), id },
      this.monotonicKeys,
      this.options.onCommit,
    );
    this.session = null;
    return outcome.applied ? id : copyBytes(outcome.id);
  }

  async cancel(): Promise<void> {
    this.session = null;
  }

  get(key: string): Promise<Uint8Array | null> {
    return this.backend.datasetGet(this.name, requireName('key', key, MAX_SESSION_KEY_BYTES));
  }

  keys(): Promise<string[]> {
    return this.backend.datasetKeys(this.name);
  }

  marker(): Promise<DatasetMarker | null> {
    return this.backend.datasetMarker(this.name);
  }

  private async open(idempotencyKey: Uint8Array): Promise<void> {
    if (this.session)
      throw new SessionStateError(
        `dataset ${JSON.stringify(this.name)} already has an open session`,
      );
    const key = copyBytes(requireIdempotencyKey(idempotencyKey));
    // Checked again inside the commit transaction; this early check rejects before any work.
    if (this.monotonicKeys) {
      decideDatasetApply(this.name, await this.backend.datasetMarker(this.name), key, true);
    }
    if (this.session)
      throw new SessionStateError(
        `dataset ${JSON.stringify(this.name)} already has an open session`,
      );
    this.session = { key, changes: new Map() };
  }

  private requireSession(call: string): OpenSession {
    if (!this.session)
      throw new SessionStateError(
        `dataset ${JSON.stringify(this.name)}: ${call}() needs an open session`,
      );
    return this.session;
  }
}
