/**
 * `node dist/main.js [--quick] [--out FILE] [--json FILE] [--only ID,…]`, or
 * CHECKPOINTKIT_BENCH_QUICK=1 for --quick.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchMode } from './profile.js';
import { workspaceRoot } from './workspace-root.js';

export interface CliOptions {
  readonly mode: BenchMode;
  /** The Markdown report. Full runs default to docs/benchmarks.md at the repository root. */
  readonly outPath: string;
  /** The results as JSON, if asked for (the smoke test reads it). */
  readonly jsonPath: string | null;
  /** Run only the suites producing these section ids (while working on one); report to temp. */
  readonly only: readonly string[];
}

export function parseCliOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliOptions {
  let quick = env.CHECKPOINTKIT_BENCH_QUICK === '1';
  let outPath: string | null = null;
  let jsonPath: string | null = null;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a file name`);
      return resolve(next);
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--out') outPath = value();
    else if (arg === '--json') jsonPath = value();
    else if (arg === '--only') only.push(...(argv[++i] ?? '').split(','));
    else if (arg === '--') continue;
    else
      throw new Error(
        `unknown argument ${JSON.stringify(arg)}; use --quick, --out FILE, --json FILE`,
      );
  }
  // A quick or partial run must not overwrite the committed report.
  const defaultOut =
    quick || only.length > 0
      ? join(tmpdir(), 'checkpointkit-benchmarks.quick.md')
      : join(workspaceRoot(), 'docs', 'benchmarks.md');
  return { mode: quick ? 'quick' : 'full', outPath: outPath ?? defaultOut, jsonPath, only };
}
