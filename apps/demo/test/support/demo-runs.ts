// The demo as a user runs it: the built program in a child process, killed with SIGKILL at
// several points — by its own --crash-after right after a durable step, and from outside at a
// random moment (inside a transaction, a script, a write) — and run again each time. The run that
// finally completes must report exactly what one uninterrupted run reports (on the same backend,
// or on SQLite for the emulators: see Target.referenceOn): the totals of every store, the number
// of orders applied, the node state's checksum and every session id.
// Used by one test file per backend (crash-resume.<backend>.test.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { STEPS, type StepName } from '../../src/pipeline.js';
import type { DemoSummary } from '../../src/summary.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/**
 * Small enough to run many times, large enough for dozens of windows and sharded node state
 * (600 orders: 25 windows; 1,200: 49 windows, 22 shards).
 */
const streamOf = (events: number): string[] => [
  '--events',
  String(events),
  '--partitions',
  '5',
  '--seed',
  '3',
];
/** A restarted worker waits for the killed one's lease. */
const LEASE = ['--lease-ms', '600'];
/**
 * Where the demo kills itself, one point per restart (counted from that restart): every kind of
 * durable step at least once, including between the two participants of a commit session.
 */
const CRASH_PLAN: readonly (readonly [steps: number, kind: StepName | null])[] = [
  [1, null],
  [1, 'operation processing'],
  [37, 'runOnce'],
  [1, 'session begun'],
  [2, 'session ledger committed'],
  [3, 'session'],
  [2, 'node state'],
  [4, 'group commit'],
  [5, 'operation applied'],
  [1, 'operation compacted'],
  [1, 'operation consumed'],
  [150, null],
  [1, 'operation done'],
];
/**
 * Kills from outside, one per restart, at a random moment while the run works: after its first
 * progress line (it has resumed and is applying orders), then a random delay. They come before
 * the plan's last point (`operation done`, the end of the stream), so that there is work left to
 * interrupt.
 */
const OUTSIDE_KILLS = 3;
/** A progress line on stderr ("consume: 51/600 (8%)", "apply: 23/600 (3%)"): the run is working. */
const WORKING = /^(consume|apply): \d+\/\d+/m;
const MAX_OUTSIDE_KILL_DELAY_MS = 150;

export interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** SIGKILL from outside, this long after stderr first matches `pattern`. */
  readonly killWhen?: { readonly pattern: RegExp; readonly afterMs: number };
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The stream's size (default 1,200 orders). */
  readonly events?: number;
}

/** The built demo, as a user runs it, with the test stream and a short lease. */
export function runDemo(args: readonly string[], options: RunOptions = {}): Promise<Outcome> {
  const { killWhen, env, events = 1200 } = options;
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [MAIN, ...streamOf(events), ...LEASE, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    let timer: NodeJS.Timeout | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (killWhen && timer === undefined && killWhen.pattern.test(stderr)) {
        timer = setTimeout(() => child.kill('SIGKILL'), killWhen.afterMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function summaryOf(outcome: Outcome): DemoSummary {
  expect(outcome.code, outcome.stderr).toBe(0);
  return JSON.parse(outcome.stdout) as DemoSummary;
}

/** Everything a run's summary reports about the result, without how many windows it took. */
export function result(summary: DemoSummary) {
  return {
    ok: summary.ok,
    events: summary.events,
    appliedEvents: summary.appliedEvents,
    ledger: summary.ledger,
    shops: summary.shops,
    stateChecksum: summary.stateChecksum,
    stateGeneration: summary.stateGeneration,
    stateShards: summary.stateShards,
    sessionIds: summary.sessionIds,
    windows: summary.windows,
  };
}

export interface Target {
  readonly name: string;
  /** The flags that put one run's state in one place. */
  args(): string[];
  /** The environment that does (an emulator's host), if any. */
  env?(): Record<string, string>;
  /** The stream's size: 1,200 orders by default; the cloud emulators take a smaller one. */
  readonly events?: number;
  /** The whole sequence's time limit (default 3 minutes). */
  readonly timeoutMs?: number;
  /**
   * Where the uninterrupted reference run goes: this backend (the default), or SQLite in a temp
   * folder. The demo's result is a function of the stream alone (every store is checked against
   * the expected totals, session ids are content hashes), so a slow emulator is spared one whole
   * run, and the backends are shown to agree.
   */
  readonly referenceOn?: 'self' | 'sqlite';
}

/** One uninterrupted run from an empty store: the result every crashed-and-resumed run must end with. */
async function referenceRun(
  target: Target,
  events: number,
  run: (args: readonly string[]) => Promise<Outcome>,
): Promise<DemoSummary> {
  if (target.referenceOn !== 'sqlite')
    return summaryOf(await run([...target.args(), '--reset', '--json']));
  const dir = mkdtempSync(join(tmpdir(), 'checkpointkit-demo-reference-'));
  try {
    return summaryOf(
      await runDemo(['--backend', 'sqlite', '--data-dir', dir, '--reset', '--json'], { events }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The built demo must exist: the tests run it as a user would. */
export function requireBuiltDemo(): void {
  beforeAll(() => {
    if (!existsSync(MAIN)) {
      throw new Error(
        `${MAIN} is missing: build the demo first (pnpm --filter @checkpointkit/demo build)`,
      );
    }
  });
}

/** The test, for one backend. */
export function crashAndResume(target: Target): void {
  requireBuiltDemo();
  const events = target.events ?? 1200;
  const run = (args: readonly string[], killWhen?: RunOptions['killWhen']): Promise<Outcome> =>
    runDemo(args, {
      events,
      ...(killWhen === undefined ? {} : { killWhen }),
      ...(target.env ? { env: target.env() } : {}),
    });

  it(`${target.name}: killed at ${CRASH_PLAN.length + OUTSIDE_KILLS} points and resumed, it ends exactly as an uninterrupted run`, {
    timeout: target.timeoutMs ?? 180_000,
  }, async () => {
    const uninterrupted = await referenceRun(target, events, run);
    expect(uninterrupted.ok).toBe(true);
    expect(uninterrupted.appliedEvents).toBe(events);
    expect(uninterrupted.windows).toBeGreaterThan(10);
    expect(uninterrupted.stateShards).toBeGreaterThan(5);

    const crashedAt = new Set<string>();
    let first = true;
    let landed = 0;
    for (const [index, [planned, kind]] of CRASH_PLAN.entries()) {
      if (index === CRASH_PLAN.length - 1) {
        for (let i = 0; i < OUTSIDE_KILLS; i++) {
          const afterMs = Math.floor(Math.random() * MAX_OUTSIDE_KILL_DELAY_MS);
          const killed = await run(target.args(), { pattern: WORKING, afterMs });
          // A run that finished its work before the kill is fine too.
          if (killed.signal === 'SIGKILL') landed += 1;
          else expect(killed.code, killed.stderr).toBe(0);
        }
      }
      // The plan is laid out for 1,200 orders: a smaller stream takes its long stretches scaled
      // down, or a late restart would finish before its crash.
      const steps = planned > 5 ? Math.max(5, Math.round((planned * events) / 1200)) : planned;
      const crashed = await run([
        ...target.args(),
        ...(first ? ['--reset'] : []),
        '--crash-after',
        String(steps),
        ...(kind ? ['--crash-step', kind] : []),
      ]);
      first = false;
      expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
      crashedAt.add(/crash: SIGKILL after step \d+ \((.+)\)/.exec(crashed.stderr)?.[1] ?? '?');
    }
    expect([...crashedAt].sort()).toEqual([...STEPS].sort());
    expect(landed, 'no outside kill landed while a run was working').toBeGreaterThan(0);

    const resumed = summaryOf(await run([...target.args(), '--json']));
    expect(result(resumed)).toEqual(result(uninterrupted));

    // And a run after the end finds nothing left to do: same result again.
    const again = summaryOf(await run([...target.args(), '--json']));
    expect(result(again)).toEqual(result(uninterrupted));
  });
}
