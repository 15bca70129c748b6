// The whole conformance suite through fault proxies, standalone and Cluster, in both ioredis modes for unanswered
// commands, so that the lost-reply cases (faults/…) run too: nothing skipped.
import { runConformance } from '@checkpointkit/core/conformance';
import { lossyTarget } from './support/lossy-connections.js';

runConformance(lossyTarget('resend'));
runConformance(lossyTarget('reject'));
runConformance(lossyTarget('resend', 'cluster'));
runConformance(lossyTarget('reject', 'cluster'));
