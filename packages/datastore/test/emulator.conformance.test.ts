// The whole conformance suite against the Cloud Datastore emulator: nothing skipped. Each adapter
// gets its own namespace; `reopen` is a second client on that namespace, as another process.
import { runConformance } from '@checkpointkit/core/conformance';
import { conformanceTarget } from './support/conformance-target.js';

runConformance(conformanceTarget());
