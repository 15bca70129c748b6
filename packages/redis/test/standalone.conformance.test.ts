// The whole conformance suite against a real standalone redis-server (AOF, fsync always): nothing skipped.
import { runConformance } from '@checkpointkit/core/conformance';
import { conformanceTarget } from './support/conformance-target.js';

runConformance(conformanceTarget('standalone'));
