// The whole conformance suite again, against an emulator started with --enable_fault_injection:
// it aborts a share of read-write commits at random. Every abort must be retried by exactly one
// layer (core's policy): nothing applied twice, nothing lost, nothing skipped.
import { runConformance } from '@checkpointkit/core/conformance';
import { conformanceTarget } from './support/conformance-target.js';

runConformance(conformanceTarget('faulty'));
