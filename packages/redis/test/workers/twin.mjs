// The twin of a conformance case's adapter, in another OS process (the target's twinProcess): the
// built adapter on the case's key prefix, through a connection of its own, its clock fixed at the
// case's time, serving core's twin protocol until the case ends.
// argv: {"connection", "keyPrefix", "nowMs"}.
import { serveTwinProcess } from '@checkpointkit/core/conformance/twin';
import { createRedisAdapter } from '@checkpointkit/redis';

const { connection, keyPrefix, nowMs } = JSON.parse(process.argv[2]);
await serveTwinProcess(createRedisAdapter(connection, { keyPrefix, clock: () => nowMs }));
process.exit(0);
