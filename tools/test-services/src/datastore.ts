/**
 * The Cloud Datastore emulator from the Google Cloud SDK, on a free loopback port, in memory
 * (`--store_on_disk=false`) and strongly consistent (`--consistency=1.0`), for the tests.
 *
 * The SDK's `cloud_datastore_emulator` is a bash wrapper that starts a JVM: SIGTERM to the wrapper
 * leaves java holding the port. So the wrapper is started as the leader of its own process group
 * and stopped by signalling the whole group, then checked gone. Where the SDK, the emulator
 * component or Java is missing, `start` throws an error that says what to install: the tests that
 * need it fail, they never skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { GCLOUD_SDK_ROOT_ENV, gcloudSdkRoot } from './gcloud-sdk.js';
import { killProcessGroupNow, stopProcessGroup } from './process-group.js';
import { freePort, HOST, makeTempDir, removeDir } from './redis.js';

const INSTALL_HINT =
  'install the Google Cloud SDK with the Datastore emulator (`gcloud components install ' +
  'cloud-datastore-emulator`, or the Debian package `google-cloud-cli-datastore-emulator`) and ' +
  `a Java 11+ runtime (e.g. \`apt-get install -y openjdk-17-jre-headless\`), or set ${GCLOUD_SDK_ROOT_ENV}`;

function datastoreEmulatorBinary(sdkRoot: string): string {
  const binary = join(sdkRoot, 'platform', 'cloud-datastore-emulator', 'cloud_datastore_emulator');
  if (!existsSync(binary)) {
    throw new Error(`no Datastore emulator at ${binary}; ${INSTALL_HINT}`);
  }
  return binary;
}

function requireJava(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    throw new Error(
      `the Datastore emulator needs Java, and \`java -version\` failed; ${INSTALL_HINT}`,
    );
  }
}

/** GET / on the emulator answers 200 "Ok" once it serves requests. */
function httpOk(port: number, path: string, method = 'GET'): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: HOST, port, path, method, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export interface DatastoreEmulatorOptions {
  readonly port?: number;
  /**
   * Where the emulator runs and logs (it writes the indexes its queries used there); default a
   * temp dir that stop() removes. A caller's dir is kept.
   */
  readonly dir?: string;
  /**
   * Keep running when this process dies without stopping it (the demo's emulator, which a run
   * killed with SIGKILL leaves for the next run to resume on). Default false: a watchdog takes
   * the emulator down with this process, so tests never leak a JVM.
   */
  readonly outliveParent?: boolean;
}

export class DatastoreEmulator {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    /** The emulator's working directory. */
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {}

  /** `host:port`, the value of DATASTORE_EMULATOR_HOST for a client. */
  get host(): string {
    return `${HOST}:${this.port}`;
  }

  /** The process group's id (the wrapper leads it; the JVM is in it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: DatastoreEmulatorOptions = {}): Promise<DatastoreEmulator> {
    const binary = datastoreEmulatorBinary(gcloudSdkRoot(INSTALL_HINT));
    requireJava();
    const port = options.port ?? (await freePort());
    const dir = options.dir ?? makeTempDir('datastore-emulator');
    mkdirSync(dir, { recursive: true });
    // A shell leads the emulator's own process group (so that stop() reaches the JVM the wrapper
    // starts) and, unless told to outlive this process, watches it: if it dies without stopping
    // the emulator (killed by a signal, no exit handler), the shell takes the whole group down.
    const script = options.outliveParent
      ? 'exec "$0" "$@"'
      : [
          '"$0" "$@" &',
          'emulator=$!',
          `while kill -0 ${process.pid} 2>/dev/null && kill -0 "$emulator" 2>/dev/null; do sleep 1; done`,
          // `kill 0`: the shell's own process group (dash's kill takes no `-- -pgid`).
          'kill -TERM 0',
        ].join('\n');
    // An emulator that outlives this process must not write into its pipes: it logs to a file.
    const log = options.outliveParent ? openSync(join(dir, 'emulator.log'), 'a') : null;
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        script,
        binary,
        'start',
        `--host=${HOST}`,
        `--port=${port}`,
        '--store_on_disk=false',
        '--consistency=1.0',
      ],
      { cwd: dir, detached: true, stdio: ['ignore', log ?? 'pipe', log ?? 'pipe'] },
    );
    if (log !== null) closeSync(log);
    const output = { text: '' };
    const keep = (chunk: Buffer): void => {
      output.text = (output.text + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const emulator = new DatastoreEmulator(port, child, dir, options.dir === undefined);
    liveEmulators.add(emulator);
    const deadline = Date.now() + 60_000;
    while (!(await httpOk(port, '/'))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        await emulator.stop();
        throw new Error(
          `the Datastore emulator did not start on port ${port}: ${output.text.trim()}; ${INSTALL_HINT}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return emulator;
  }

  /** Clears every entity of every namespace. */
  async reset(): Promise<void> {
    if (!(await httpOk(this.port, '/reset', 'POST')))
      throw new Error('the Datastore emulator refused POST /reset');
  }

  /** SIGTERM to the whole group (wrapper and java), SIGKILL after 5 s; resolves once none is left. */
  async stop(): Promise<void> {
    liveEmulators.delete(this);
    if (this.child.pid !== undefined) await stopProcessGroup(this.child.pid);
    if (this.ownsDir) removeDir(this.dir);
  }

  /** For exit handlers: no waiting. */
  killNow(): void {
    if (this.child.pid !== undefined) killProcessGroupNow(this.child.pid);
  }
}

const liveEmulators = new Set<DatastoreEmulator>();
// If the test process dies before teardown, take the emulators (and their JVMs) with it.
process.once('exit', () => {
  for (const emulator of liveEmulators) emulator.killNow();
});
