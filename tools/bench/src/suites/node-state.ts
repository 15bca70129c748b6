/**
 * Sharded node state on both backends: `get` on a cache hit, full loads, and a 1-byte edit of a
 * large state, against the state kept as one record by the raw driver. Every side of every
 * scenario runs in a child process of its own (dist/node-state-child.js), which reports its peak
 * RSS; the two sides of a row therefore run one after the other (baseline first), not
 * interleaved, but against the same server or disk in the same run.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { summarizeRuns } from '../measure/measurement.js';
import type {
  NodeBackendName,
  NodeScenario,
  NodeSideName,
  NodeTask,
  NodeTaskResult,
} from '../node-state/task.js';
import { MIB, scenarioName } from '../node-state/task.js';
import type { BenchProfile } from '../profile.js';
import { formatMiB } from '../report/format.js';
import type { ComparisonRow, Section } from '../report/results.js';
import { maximumShare } from '../report/targets.js';
import type { BenchRedis } from '../services/redis-service.js';
import { rowOf } from './comparison-row.js';

const CHILD = new URL('./node-state-child.js', import.meta.url);
/** A root record lists its shards by sha256, 64 hex characters each. */
const ROOT_BYTES_PER_SHARD = 64;

function runChild(task: NodeTask): Promise<NodeTaskResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once('message', (message: { ok: boolean; result?: NodeTaskResult; error?: string }) => {
      answered = true;
      if (message.ok && message.result) resolve(message.result);
      else reject(new Error(`node-state child (${task.backend} ${task.side}): ${message.error}`));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`node-state child exited with ${code} before answering`));
    });
    child.send(task);
  });
}

function perOpDetails(result: NodeTaskResult, side: NodeSideName): string[] {
  const p = result.perOp;
  const details = [`peak RSS ${formatMiB(result.maxRssBytes)}`];
  if (side === 'ours') {
    details.push(`${p.rootReads.toFixed(0)} root + ${p.shardReads.toFixed(0)} shard reads/op`);
    if (result.shardCount !== null) details.push(`${result.shardCount} shards`);
  }
  if (p.bytesWritten > 0) {
    details.push(
      `writes ${formatMiB(p.bytesWritten)} in ${p.shardsWritten.toFixed(1)} ${side === 'ours' ? 'shard(s)' : 'record'}/op`,
    );
  }
  return details;
}

function scenarios(profile: BenchProfile): NodeScenario[] {
  return [
    ...profile.nodeCachedMiB.map((sizeMiB): NodeScenario => ({ kind: 'cached-get', sizeMiB })),
    ...profile.nodeLoadMiB.map((sizeMiB): NodeScenario => ({ kind: 'full-load', sizeMiB })),
    { kind: 'edit', sizeMiB: profile.nodeEditMiB },
  ];
}

export async function nodeState(
  profile: BenchProfile,
  backend: NodeBackendName,
  dir: string,
  redis: BenchRedis,
): Promise<Section> {
  const rows: ComparisonRow[] = [];
  let task = 0;
  for (const scenario of scenarios(profile)) {
    const results = {} as Record<NodeSideName, NodeTaskResult>;
    for (const side of ['baseline', 'ours'] as const) {
      task++;
      results[side] = await runChild({
        backend,
        side,
        scenario,
        sqlitePath: join(dir, `nodes-${backend}-${task}.db`),
        redisPort: redis.port,
        keyPrefix: `bench-nodes-${task}`,
        runMs: profile.nodeRunMs,
        minOperations: profile.nodeMinOperations,
      });
    }
    const label = {
      ours: `checkpointkit ${scenario.kind === 'edit' ? 'run' : 'get'}`,
      baseline:
        backend === 'sqlite'
          ? {
              'cached-get': 'raw: SELECT generation',
              'full-load': 'raw: SELECT the BLOB',
              edit: `raw: UPDATE the ${scenario.sizeMiB} MiB BLOB`,
            }[scenario.kind]
          : {
              'cached-get': 'raw: HGET generation',
              'full-load': 'raw: GET the string',
              edit: `raw: MULTI SET ${scenario.sizeMiB} MiB, HINCRBY, EXEC`,
            }[scenario.kind],
    };
    const measured = (side: NodeSideName) =>
      summarizeRuns(
        label[side],
        [results[side].run],
        results[side].requestsPerOp,
        perOpDetails(results[side], side),
      );
    const ours = results.ours;
    rows.push(
      rowOf(
        scenarioName(scenario),
        1,
        { ours: measured('ours'), baseline: measured('baseline') },
        scenario.kind === 'edit'
          ? () => {
              const rootBytes = (ours.shardCount ?? 0) * ROOT_BYTES_PER_SHARD;
              return maximumShare(
                2,
                `the ${scenario.sizeMiB} MiB`,
                (ours.perOp.bytesWritten + rootBytes) / (scenario.sizeMiB * MIB),
                () =>
                  `an edit rewrites the shard it falls in (shards average a quarter of shardBytes, 512 KiB by default) and the root record with its list of ${ours.shardCount} shard hashes; at ${scenario.sizeMiB} MiB that is more than 2%. The target is set for 64 MiB.`,
              );
            }
          : undefined,
      ),
    );
  }
  const name = backend === 'sqlite' ? 'SQLite' : 'Redis';
  return {
    id: `nodes/${backend}`,
    primitive: 'Sharded node state',
    backend: name,
    baselineNote:
      backend === 'sqlite'
        ? "the state as one row (id, generation, BLOB) read or rewritten whole by better-sqlite3, in a file opened like the adapter's (synchronous=FULL); for the cache hit, the raw side keeps its copy and reads the generation. Random bytes (incompressible, so content-defined shard boundaries fall as they would on real data); our codec is raw bytes (a copy on decode; a view for the cache hit)."
        : 'the state as one string plus a generation hash, read (`GET`) or rewritten whole (`SET` in a MULTI with `HINCRBY`) through ioredis; for the cache hit, `HGET` of the generation. Same data and codecs as SQLite.',
    rows,
    notes: [
      "Each side of each row ran in its own child process: *peak RSS* is that process's `resourceUsage().maxRSS`, including the state it generated to write. The two sides ran one after the other (baseline first), not in interleaved rounds.",
      `*bytes written* counts shard bytes (NodeStore.stats); the edit target also counts the root record's shard list (${ROOT_BYTES_PER_SHARD} bytes per shard).`,
      ...(backend === 'sqlite'
        ? [
            'statements/op are not counted here: the counting connection logs every statement with its parameters expanded, which for a 64 MiB BLOB is a 128 MiB string; root and shard reads per operation come from NodeStore.stats instead.',
          ]
        : []),
    ],
  };
}
