// The whole conformance suite against the Cloud Spanner emulator: nothing skipped. Each adapter
// gets a database of its own; concurrency cases pass through core's retry policy.
import { runConformance } from '@checkpointkit/core/conformance';
import { conformanceTarget } from './support/conformance-target.js';

runConformance(conformanceTarget('plain'));
