// The twin of a conformance case's adapter, in another OS process (the target's twinProcess):
// the built adapter on the case's database, through a client of its own, its clock fixed at the
// case's time, serving core's twin protocol until the case ends.
// argv: <emulator host:port> <database id> {"nowMs": …}.
import { serveTwinProcess } from '@checkpointkit/core/conformance/twin';
import { args, openAdapter } from './harness.mjs';

const { nowMs } = args().options;
await serveTwinProcess(openAdapter({ clock: () => nowMs }));
// The client's channels and signal handlers would keep the process alive.
process.exit(0);
