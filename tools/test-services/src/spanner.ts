/**
 * The Cloud Spanner emulator for the tests, from the Google Cloud SDK installed on the machine,
 * on free loopback ports. The SDK's `gateway_main` (the gRPC/REST front) starts `emulator_main`
 * (the database); both run in one process group of their own, and stop() kills the whole group:
 * a SIGTERM to the gateway alone leaves emulator_main holding its port.
 *
 * The SDK root is found by ./gcloud-sdk.ts. A machine without the emulator gets an error that
 * says what to install: Spanner tests fail there, they are never skipped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GCLOUD_SDK_ROOT_ENV, gcloudSdkRoot } from './gcloud-sdk.js';
import { killProcessGroupNow, stopProcessGroup } from './process-group.js';
import { freePort, HOST, portAnswers } from './redis.js';

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

/** `gateway_main` and `emulator_main` of the SDK, or an error naming what to install. */
export async function spannerEmulatorBinaries(): Promise<{ gateway: string; emulator: string }> {
  const root = gcloudSdkRoot(INSTALL_HINT);
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

export interface SpannerEmulatorOptions {
  /** `--enable_fault_injection`: the emulator aborts a share (~5%) of read-write commits. */
  readonly faultInjection?: boolean;
}

const liveEmulators = new Set<SpannerEmulator>();

export class SpannerEmulator {
  private constructor(
    private readonly child: ChildProcess,
    readonly grpcPort: number,
    readonly httpPort: number,
    readonly faultInjection: boolean,
  ) {}

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
        const ready = await Promise.race([portAnswers(`${HOST}:${grpcPort}`), failedToStart]);
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

  /** Stops the process group (gateway_main and emulator_main) and waits until none is left. */
  async stop(): Promise<void> {
    liveEmulators.delete(this);
    if (this.child.pid !== undefined) await stopProcessGroup(this.child.pid, 3000);
  }

  /** For exit handlers: no waiting. */
  killNow(): void {
    if (this.child.pid !== undefined) killProcessGroupNow(this.child.pid);
  }
}

// If the test process dies before teardown, take the emulators with it.
process.once('exit', () => {
  for (const emulator of liveEmulators) emulator.killNow();
});
