// The twin of a conformance case's adapter, in another OS process (the target's twinProcess): the
// built adapter on the case's namespace, through a client of its own, its clock fixed at the
// case's time, serving core's twin protocol until the case ends.
// argv: {"host", "projectId", "namespace", "nowMs", "retry"}.
import { serveTwinProcess } from '@checkpointkit/core/conformance/twin';
import { createDatastoreAdapter } from '@checkpointkit/datastore';
import { Datastore } from '@google-cloud/datastore';

const { host, projectId, namespace, nowMs, retry } = JSON.parse(process.argv[2]);
const datastore = new Datastore({ projectId, apiEndpoint: host, namespace });
await serveTwinProcess(createDatastoreAdapter(datastore, { clock: () => nowMs, retry }));
// The client's channels would keep the process alive.
process.exit(0);
