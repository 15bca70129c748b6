/**
 * Worker processes for the multi-process and crash tests. Workers (test/workers/*.mjs) import the
 * BUILT package by self-reference, as an application would, and talk over stdout lines: "ready",
 * then one JSON line per acknowledged step. The parent says "go" on stdin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const packageDir = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    }),
  );
}

/** The workers run dist/: refuse to test a build that is missing or older than src/. */
export function requireFreshBuild(): void {
  const built = join(packageDir, 'dist', 'index.js');
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    throw new Error(
      `${built} is missing: run \`pnpm --filter @checkpointkit/datastore build\` first`,
    );
  }
  if (newestMtime(join(packageDir, 'src')) > builtAt) {
    throw new Error(
      'dist/ is older than src/: run `pnpm --filter @checkpointkit/datastore build` first',
    );
  }
}

export interface Worker {
  readonly child: ChildProcess;
  /** Resolves once the worker printed "ready". */
  readonly ready: Promise<void>;
  /** Every JSON line the worker printed so far (its acknowledgements). */
  readonly lines: unknown[];
  /** Resolves with the exit code (null when killed by a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
  stderr(): string;
  go(): void;
}

export function startWorker(script: string, args: object): Worker {
  const child = spawn(
    process.execPath,
    [join(packageDir, 'test', 'workers', script), JSON.stringify(args)],
    {
      cwd: packageDir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines: unknown[] = [];
  const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = new Promise<void>((resolve) => {
    reader.on('line', (line) => {
      if (line === 'ready') resolve();
      else if (line.startsWith('{')) lines.push(JSON.parse(line));
    });
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    ready,
    lines,
    exited,
    stderr: () => stderr,
    go: () => child.stdin?.write('go\n'),
  };
}
