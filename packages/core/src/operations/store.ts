/** The operation-checkpoint protocol, written once over OperationBackend. */
import { copyBytes } from '../bytes.js';
import type { Clock } from '../clock.js';
import { AlreadyExistsError, LeaseLostError, NotFoundError } from '../errors.js';
import {
  requireBytes,
  requireDurationMs,
  requireName,
  requireObject,
  requireText,
} from '../validation.js';
import type {
  Fence,
  OperationBackend,
  OperationLeaseRecord,
  StoredOperationCheckpoint,
} from './backend.js';
import { formatOperationId, parseOperationId } from './ids.js';
import type { Operation, OperationCheckpoint, OperationLease, OperationStore } from './types.js';

export const MAX_OPERATION_NAME_BYTES = 512;
export const MAX_LABEL_BYTES = 1024;

export interface OperationLeaseHolder {
  readonly operation: string;
  readonly owner: string;
  readonly expiryTime: Date;
}

function requireLabel(label: unknown): string {
  return requireText('label', label, { maxBytes: MAX_LABEL_BYTES });
}

function toPublic(stored: StoredOperationCheckpoint): OperationCheckpoint {
  return {
    id: formatOperationId(stored.seq),
    label: stored.label,
    data: copyBytes(stored.data),
    createdAt: new Date(stored.createdMs),
  };
}

export function createOperationStore(
  backend: OperationBackend,
  clock: Clock,
  maxPayloadBytes: number,
): OperationStore {
  return {
    open(name: string): Operation {
      return new OperationHandle(
        backend,
        clock,
        maxPayloadBytes,
        requireName('name', name, MAX_OPERATION_NAME_BYTES),
      );
    },
    list(): Promise<string[]> {
      return backend.listNames();
    },
  };
}

class OperationHandle implements Operation {
  /** The token of this handle's lease, if it acquired one. */
  private fence: Fence = null;

  constructor(
    private readonly backend: OperationBackend,
    private readonly clock: Clock,
    private readonly maxPayloadBytes: number,
    readonly name: string,
  ) {}

  async checkpoint(label: string, data: Uint8Array): Promise<string> {
    const entry = {
      label: requireLabel(label),
      data: copyBytes(requireBytes('data', data, this.maxPayloadBytes)),
      createdMs: this.clock(),
    };
    return formatOperationId(
      await this.backend.append(this.name, entry, this.fence, entry.createdMs),
    );
  }

  async latest(): Promise<OperationCheckpoint | null> {
    const stored = await this.backend.latest(this.name);
    return stored ? toPublic(stored) : null;
  }

  async load(id: string): Promise<OperationCheckpoint> {
    const seq = parseOperationId(id);
    const stored = await this.backend.load(this.name, seq);
    if (!stored)
      throw new NotFoundError(`operation ${JSON.stringify(this.name)} has no checkpoint ${id}`);
    return toPublic(stored);
  }

  async list(): Promise<string[]> {
    return (await this.backend.listSeqs(this.name)).map(formatOperationId);
  }

  async compact(label: string): Promise<string | null> {
    const now = this.clock();
    const seq = await this.backend.compact(
      this.name,
      { label: requireLabel(label), createdMs: now },
      this.fence,
      now,
    );
    return seq === null ? null : formatOperationId(seq);
  }

  clear(): Promise<void> {
    return this.backend.clear(this.name, this.fence, this.clock(), false);
  }

  async complete(): Promise<void> {
    await this.backend.clear(this.name, this.fence, this.clock(), true);
    this.fence = null;
  }

  async acquire(options: { owner: string; leaseMs: number }): Promise<OperationLease> {
    const opts = requireObject('options', options);
    const owner = requireName('owner', opts.owner, 256);
    const leaseMs = requireDurationMs('leaseMs', opts.leaseMs);
    const now = this.clock();
    const outcome = await this.backend.acquire(this.name, owner, now + leaseMs, now);
    if ('held' in outcome) {
      const holder: OperationLeaseHolder = {
        operation: this.name,
        owner: outcome.held.owner,
        expiryTime: new Date(outcome.held.expiryMs),
      };
      throw new AlreadyExistsError(
        `operation ${JSON.stringify(this.name)} is leased to ${outcome.held.owner}`,
        holder,
      );
    }
    this.fence = outcome.acquired.token;
    return this.leaseHandle(outcome.acquired);
  }

  private leaseHandle(lease: OperationLeaseRecord): OperationLease {
    const { backend, clock, name } = this;
    return {
      operation: name,
      owner: lease.owner,
      token: lease.token,
      expiryTime: new Date(lease.expiryMs),
      renew: async (options: { leaseMs: number }): Promise<void> => {
        const leaseMs = requireDurationMs('leaseMs', requireObject('options', options).leaseMs);
        if (!(await backend.renewLease(name, lease.token, clock() + leaseMs))) {
          throw new LeaseLostError(
            `operation ${JSON.stringify(name)}`,
            `token ${lease.token} is no longer the current lease`,
          );
        }
      },
      release: async (): Promise<void> => {
        await backend.releaseLease(name, lease.token);
        if (this.fence === lease.token) this.fence = null;
      },
    };
  }
}
