/** The fencing rule for operation writes, applied by every backend inside its atomic step. */
import { LeaseLostError } from '../errors.js';
import type { Fence, OperationLeaseRecord } from './backend.js';

/**
 * A handle holding token T may write while T is the current lease's token (even if the lease
 * has run out, as long as nobody acquired a newer one). A handle without a token may write only
 * while no lease is live.
 */
export function checkFence(
  operation: string,
  lease: OperationLeaseRecord | null,
  fence: Fence,
  nowMs: number,
): void {
  const resource = `operation ${JSON.stringify(operation)}`;
  if (fence !== null) {
    if (!lease || lease.token !== fence) {
      throw new LeaseLostError(
        resource,
        `token ${fence} is no longer the current lease${lease ? ` (now ${lease.token}, ${lease.owner})` : ''}`,
      );
    }
    return;
  }
  if (lease && lease.expiryMs > nowMs) {
    throw new LeaseLostError(
      resource,
      `it is leased to ${lease.owner} (token ${lease.token}); this handle holds no lease`,
    );
  }
}
