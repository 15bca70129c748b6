/** Every script the adapter runs: setup() loads them all on every master. */
import type { RedisScript } from '../scripts.js';
import { checkpointInsert } from './checkpoint-insert.js';
import { checkpointLivePage } from './checkpoint-live-page.js';
import { checkpointPurge } from './checkpoint-purge.js';
import { checkpointReplaceClaim } from './checkpoint-replace-claim.js';
import { commitUnit, commitUnitJournaled } from './commit-unit.js';
import { groupAdvance } from './group-advance.js';
import { groupCommit } from './group-commit.js';
import { groupEnsure } from './group-ensure.js';
import { groupPrune } from './group-prune.js';
import { journalSettle } from './journal-settle.js';
import { nodeClean } from './node-clean.js';
import { nodeDelete } from './node-delete.js';
import { operationAcquire } from './operation-acquire.js';
import { operationAppend } from './operation-append.js';
import { operationClear } from './operation-clear.js';
import { operationCompact } from './operation-compact.js';
import { operationLatest } from './operation-latest.js';
import { operationReleaseLease } from './operation-release-lease.js';
import { operationRenewLease } from './operation-renew-lease.js';
import { sessionKvWrite } from './session-kv-write.js';

export const allScripts: readonly RedisScript[] = [
  checkpointInsert,
  checkpointLivePage,
  checkpointPurge,
  checkpointReplaceClaim,
  commitUnit,
  commitUnitJournaled,
  groupAdvance,
  groupCommit,
  groupEnsure,
  groupPrune,
  journalSettle,
  nodeClean,
  nodeDelete,
  operationAcquire,
  operationAppend,
  operationClear,
  operationCompact,
  operationLatest,
  operationReleaseLease,
  operationRenewLease,
  sessionKvWrite,
];
