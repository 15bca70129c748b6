/**
 * A Spanner or Datastore contender, with what one call sends: RPCs per call, counted on the client
 * both sides share in a short sequential pass before the timed rounds, and which RPCs they are
 * (with their mean time until the reply where it is measured), shown in the row's notes.
 */
import type { Contender } from '../measure/contender.js';
import { type RpcCounter, rpcBreakdown } from './google-rpcs.js';
import { requestsPerOp } from './requests-per-op.js';

export async function countedRpcContender(
  label: string,
  op: () => Promise<unknown>,
  rpcs: RpcCounter,
  countingOperations: number,
  /** Counted on a twin of `op` (another operation name) when `op` must start where it is. */
  countedOp: () => Promise<unknown> = op,
): Promise<Contender> {
  const before = rpcs.methods();
  const perOp = await requestsPerOp(countedOp, rpcs.read, countingOperations);
  return {
    label,
    op,
    requestsPerOp: perOp,
    details: [rpcBreakdown(before, rpcs.methods(), countingOperations)],
  };
}
