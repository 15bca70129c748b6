/**
 * Worker processes for multi-process and crash tests, spoken to over Node's IPC channel: a worker
 * script (a package's test/workers/*.mjs, importing the package's built dist/) sends `ready`,
 * waits for `go`, then one message per acknowledged step, `done` at the end, or `error`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';

export interface WorkerMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Every message received so far, in order. */
  readonly messages: WorkerMessage[];
  /** The first message of `type` (already received or the next one). */
  message(type: string): Promise<WorkerMessage>;
  /** Exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Workers import the built package: refuse to start them when its dist/ is missing. */
export function requireBuilt(distIndex: string, packageName: string): void {
  if (!existsSync(distIndex)) {
    throw new Error(
      `${distIndex} is missing: run \`pnpm --filter ${packageName} build\` before these tests`,
    );
  }
}

/** Forks `file` with `args`; its stderr is kept for error messages. */
export function forkWorker(file: string, args: readonly string[]): WorkerProcess {
  const script = basename(file);
  const child = fork(file, [...args], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  const messages: WorkerMessage[] = [];
  const waiting: { type: string; resolve: (m: WorkerMessage) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  child.on('message', (raw) => {
    const message = raw as WorkerMessage;
    messages.push(message);
    for (const w of [...waiting]) {
      if (w.type === message.type) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(message);
      }
    }
  });
  return {
    child,
    messages,
    exited,
    stderr: () => stderr,
    message(type) {
      const seen = messages.find((m) => m.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise<WorkerMessage>((resolve, reject) => {
        waiting.push({ type, resolve });
        void exited.then(({ code, signal }) => {
          const error = messages.find((m) => m.type === 'error');
          reject(
            new Error(
              `${script} exited (${code ?? signal}) before sending "${type}"` +
                `${error ? `:\n${String(error.message)}` : ''}\n${stderr}`,
            ),
          );
        });
      });
    },
  };
}

/** Starts `count` workers, waits until all are ready, then lets them go at once. */
export async function race(
  count: number,
  start: (index: number) => WorkerProcess,
): Promise<WorkerMessage[]> {
  const workers = Array.from({ length: count }, (_, i) => start(i));
  await Promise.all(workers.map((w) => w.message('ready')));
  for (const w of workers) w.child.send({ type: 'go' });
  const done = await Promise.all(workers.map((w) => w.message('done')));
  const exits = await Promise.all(workers.map((w) => w.exited));
  for (const [i, exit] of exits.entries()) {
    if (exit.code !== 0) throw new Error(`worker ${i} exited with ${exit.code ?? exit.signal}`);
  }
  return done;
}

export interface KilledWorker {
  /** How long after `go` (and after the acknowledgements asked for) the kill came. */
  readonly delayMs: number;
  /** The worker's `ack` messages: what it acknowledged before it died. */
  readonly acks: WorkerMessage[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One crash: lets a ready worker go, waits for `minAcks` acknowledgements if asked (a loaded
 * machine may start a worker slowly, and a rule is only proved on acknowledged work), then kills
 * it with SIGKILL after a random delay below `maxDelayMs`. Fails when the worker ended by itself
 * or reported an error before the kill.
 */
export async function killMidway(
  worker: WorkerProcess,
  label: string,
  options: { readonly maxDelayMs: number; readonly minAcks?: number },
): Promise<KilledWorker> {
  await worker.message('ready');
  worker.child.send({ type: 'go' });
  let exited = false;
  void worker.exited.then(() => {
    exited = true;
  });
  const acks = (): WorkerMessage[] => worker.messages.filter((m) => m.type === 'ack');
  while (!exited && acks().length < (options.minAcks ?? 0)) await sleep(10);
  const delayMs = Math.floor(Math.random() * options.maxDelayMs);
  await Promise.race([sleep(delayMs), worker.exited]);
  worker.child.kill('SIGKILL');
  const exit = await worker.exited;
  const failure = worker.messages.find((m) => m.type === 'error');
  if (failure || exit.signal !== 'SIGKILL') {
    throw new Error(
      `${label} ended with ${exit.code ?? exit.signal} before the kill: ${String(failure?.message ?? worker.stderr())}`,
    );
  }
  return { delayMs, acks: acks() };
}
