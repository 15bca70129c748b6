/**
 * The Cloud Spanner emulator for the tests, from the Google Cloud SDK installed on the machine,
 * on free loopback ports. The SDK's `gateway_main` (the gRPC/REST front) starts `emulator_main`
 * (the database); both run in one process group of their own, and stop() kills the whole group:
 * a SIGTERM to the gateway alone leaves emulator_main holding its port.
 *
 * The SDK root comes from CHECKPOINTKIT_GCLOUD_SDK_ROOT, else `gcloud info`, else the real path
 * of `gcloud` two folders up. A machine without the emulator gets an error that says what to
 * install: Spanner tests fail there, they are never skipped.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, HOST } from './redis.js';

const run = promisify(execFile);

export const GCLOUD_SDK_ROOT_ENV = 'CHECKPOINTKIT_GCLOUD_SDK_ROOT';

const INSTALL_HINT =
  'install the Google Cloud SDK with the Spanner emulator (`gcloud components install ' +
  'cloud-spanner-emulator`, or the Debian package `google-cloud-cli-spanner-emulator`), or set ' +
  `${GCLOUD_SDK_ROOT_ENV} to the SDK root`;

/**
 * The client settings the emulator needs (measured, see ENVIRONMENT.md): without the session
 * settings, calls fail with "ReleaseError: Unable to release unknown resource".
 */
export function spannerEmulatorEnv(hostPort: string): Record<string, string> {
  return {
    SPANNER_EMULATOR_HOST: hostPort,
    GOOGLE_CLOUD_SPANNER_MULTIPLEXED_SESSIONS: 'false',
    GOOGLE_CLOUD_SPANNER_MULTIPLEXED_SESSIONS_FOR_RW: 'false',
    GOOGLE_CLOUD_SPANNER_MULTIPLEXED_SESSIONS_PARTITIONED_OPS: 'false',
    METADATA_SERVER_DETECTION: 'none',
  };
}

function gcloudOnPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'gcloud');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The Google Cloud SDK root, found the way users' machines differ; throws what to install. */
export async function gcloudSdkRoot(): Promise<string> {
  const fromEnv = process.env[GCLOUD_SDK_ROOT_ENV];
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`${GCLOUD_SDK_ROOT_ENV}=${fromEnv} does not exist; ${INSTALL_HINT}`);
    }
    return fromEnv;
  }
  const gcloud = gcloudOnPath();
  if (!gcloud)
    throw new Error(`the Spanner emulator needs gcloud, not found on PATH: ${INSTALL_HINT}`);
  try {
    const { stdout } = await run(gcloud, ['info', '--format=value(installation.sdk_root)'], {
      timeout: 30_000,
    });
    const root = stdout.trim();
    if (root && existsSync(root)) return root;
  } catch {
    // fall back to the binary's location
  }
  // <root>/bin/gcloud
  return dirname(dirname(realpathSync(gcloud)));
}

/** `gateway_main` and `emulator_main` of the SDK, or an error naming what to install. */
export async function spannerEmulatorBinaries(): Promise<{ gateway: string; emulator: string }> {
  const root = await gcloudSdkRoot();
  const dir = join(root, 'bin', 'cloud_spanner_emulator');
  const gateway = join(dir, 'gateway_main');
  const emulator = join(dir, 'emulator_main');
  if (!existsSync(gateway) || !existsSync(emulator)) {
    throw new Error(
      `no Spanner emulator in the Google Cloud SDK at ${root} (${dir}): ${INSTALL_HINT}`,
    );
  }
  return { gateway, emulator };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

export interface SpannerEmulatorOptions {
  /** `--enable_fault_injection`: the emulator aborts a share (~5%) of read-write commits. */
  readonly faultInjection?: boolean;
}

const liveEmulators = new Set<SpannerEmulator>();

export class SpannerEmulator {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly grpcPort: number,
    readonly httpPort: number,
    readonly faultInjection: boolean,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** `127.0.0.1:<grpc port>`, the value of SPANNER_EMULATOR_HOST. */
  get hostPort(): string {
    return `${HOST}:${this.grpcPort}`;
  }

  /** The environment a client process needs to talk to this emulator. */
  get env(): Record<string, string> {
    return spannerEmulatorEnv(this.hostPort);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: SpannerEmulatorOptions = {}): Promise<SpannerEmulator> {
    const { gateway, emulator: emulatorBinary } = await spannerEmulatorBinaries();
    const grpcPort = await freePort();
    let httpPort = await freePort();
    while (httpPort === grpcPort) httpPort = await freePort();
    const args = [
      '--hostname',
      HOST,
      '--grpc_port',
      String(grpcPort),
      '--http_port',
      String(httpPort),
      '--grpc_binary',
      emulatorBinary,
      ...(options.faultInjection ? ['--enable_fault_injection'] : []),
    ];
    // detached: its own process group, so that stop() reaches emulator_main too.
    const child = spawn(gateway, args, { stdio: 'ignore', detached: true });
    const started = new SpannerEmulator(child, grpcPort, httpPort, options.faultInjection === true);
    liveEmulators.add(started);
    const failedToStart = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run ${gateway}: ${error.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(`the Spanner emulator exited at start (code ${code}, signal ${signal})`)),
      );
    });
    failedToStart.catch(() => {});
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = await Promise.race([canConnect(grpcPort), failedToStart]);
        if (ready) break;
        if (Date.now() > deadline) throw new Error('the Spanner emulator was not ready in 30 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  }

  /** Kills the process group (gateway_main and emulator_main) and waits for the gateway. */
  async stop(): Promise<void> {
    liveEmulators.delete(this);
    const running = this.child.exitCode === null && this.child.signalCode === null;
    this.killGroup('SIGTERM');
    if (running) {
      const timer = setTimeout(() => this.killGroup('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(timer);
    }
    // emulator_main may outlive the gateway by a moment; make sure the group is gone.
    this.killGroup('SIGKILL');
  }

  /** For exit handlers: no waiting. */
  killNow(): void {
    this.killGroup('SIGKILL');
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  }
}

// If the test process dies before teardown, take the emulators with it.
process.once('exit', () => {
  for (const emulator of liveEmulators) emulator.killNow();
});
