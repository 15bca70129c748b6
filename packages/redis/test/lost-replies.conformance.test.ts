// The whole conformance suite through a fault proxy, in both ioredis modes for unanswered
// commands, so that the lost-reply cases (faults/…) run too: nothing skipped.
import { runConformance } from '@checkpointkit/core/conformance';
import { lossyTarget } from './support/lossy-connections.js';

runConformance(lossyTarget('resend'));
runConformance(lossyTarget('reject'));
