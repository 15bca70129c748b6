/** Starting worker processes (./workers/*.mjs) and talking to them over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WorkerMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface Worker {
  readonly child: ChildProcess;
  /** Every message received so far, in order. */
  readonly messages: WorkerMessage[];
  /** The first message of `type` (already received or the next one). */
  message(type: string): Promise<WorkerMessage>;
  /** Exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Workers import the built package (dist/): turbo builds before it tests. */
export function requireBuild(): void {
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  if (!existsSync(dist)) {
    throw new Error(
      `${dist} is missing: run \`pnpm --filter @checkpointkit/spanner build\` before these tests`,
    );
  }
}

/** Starts ./workers/<script> on `databaseId` of the emulator at `hostPort`. */
export function startWorker(
  script: string,
  hostPort: string,
  databaseId: string,
  options: object = {},
): Worker {
  const file = fileURLToPath(new URL(`./workers/${script}`, import.meta.url));
  const child = fork(file, [hostPort, databaseId, JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
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
  start: (index: number) => Worker,
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
