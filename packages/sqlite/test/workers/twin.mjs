// The twin of a conformance case's adapter, in another OS process (the target's twinProcess): an
// adapter on the case's database file, its clock fixed at the case's time, serving core's twin
// protocol until the case ends. argv: <database path> <clock ms>.
import { serveTwinProcess } from '@checkpointkit/core/conformance/twin';
import { createSqliteAdapter } from '@checkpointkit/sqlite';

const [path, nowMs] = process.argv.slice(2);
await serveTwinProcess(createSqliteAdapter({ path, clock: () => Number(nowMs) }));
