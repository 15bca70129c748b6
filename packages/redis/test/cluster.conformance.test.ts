// The whole conformance suite against a real 3-master Redis Cluster: nothing skipped.
import { runConformance } from '@checkpointkit/core/conformance';
import { conformanceTarget } from './support/conformance-target.js';

runConformance(conformanceTarget('cluster'));
