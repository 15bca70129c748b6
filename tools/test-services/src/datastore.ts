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
import { existsSync, realpathSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { freePort, HOST, makeTempDir, removeDir } from './redis.js';

/** Overrides where the Google Cloud SDK is (the folder that holds `bin/` and `platform/`). */
export const GCLOUD_SDK_ROOT_ENV = 'CHECKPOINTKIT_GCLOUD_SDK_ROOT';

const INSTALL_HINT =
  'install the Google Cloud SDK with the Datastore emulator (`gcloud components install ' +
  'cloud-datastore-emulator`, or the Debian package `google-cloud-cli-datastore-emulator`) and ' +
  `a Java 11+ runtime (e.g. \`apt-get install -y openjdk-17-jre-headless\`), or set ${GCLOUD_SDK_ROOT_ENV}`;

/** The SDK root: the env override, else `gcloud info`, else the real path of `gcloud` two folders up. */
export function gcloudSdkRoot(): string {
  const override = process.env[GCLOUD_SDK_ROOT_ENV];
  if (override) {
    if (!existsSync(override))
      throw new Error(`${GCLOUD_SDK_ROOT_ENV}=${override} does not exist; ${INSTALL_HINT}`);
    return override;
  }
  try {
    const root = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    }).trim();
    if (root && existsSync(root)) return root;
  } catch {
    // gcloud missing or broken: try its path below, then give up with the hint.
  }
  for (const folder of (process.env.PATH ?? '').split(':')) {
    const candidate = join(folder, 'gcloud');
    if (folder && existsSync(candidate)) return dirname(dirname(realpathSync(candidate)));
  }
  throw new Error(`the Google Cloud SDK was not found; ${INSTALL_HINT}`);
}

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

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export class DatastoreEmulator {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    /** The emulator's working directory, removed by stop(). */
    readonly dir: string,
  ) {}

  /** `host:port`, the value of DATASTORE_EMULATOR_HOST for a client. */
  get host(): string {
    return `${HOST}:${this.port}`;
  }

  static async start(options: { readonly port?: number } = {}): Promise<DatastoreEmulator> {
    const binary = datastoreEmulatorBinary(gcloudSdkRoot());
    requireJava();
    const port = options.port ?? (await freePort());
    const dir = makeTempDir('datastore-emulator');
    // A shell leads the emulator's own process group (so that stop() reaches the JVM the wrapper
    // starts) and watches this process: if it dies without stopping the emulator (killed by a
    // signal, no exit handler), the shell takes the whole group down with it.
    const watchdog = [
      '"$0" "$@" &',
      'emulator=$!',
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 "$emulator" 2>/dev/null; do sleep 1; done`,
      // `kill 0`: the shell's own process group (dash's kill takes no `-- -pgid`).
      'kill -TERM 0',
    ].join('\n');
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        watchdog,
        binary,
        'start',
        `--host=${HOST}`,
        `--port=${port}`,
        '--store_on_disk=false',
        '--consistency=1.0',
      ],
      // In a temp dir: the emulator writes the indexes its queries used (WEB-INF/…) where it runs.
      { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = { text: '' };
    const keep = (chunk: Buffer): void => {
      output.text = (output.text + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const emulator = new DatastoreEmulator(port, child, dir);
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
    const pgid = this.child.pid;
    if (pgid === undefined) {
      removeDir(this.dir);
      return;
    }
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-pgid, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + 5_000;
    while (processGroupAlive(pgid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (processGroupAlive(pgid)) signal('SIGKILL');
    while (processGroupAlive(pgid)) await new Promise((resolve) => setTimeout(resolve, 50));
    removeDir(this.dir);
  }

  /** For exit handlers: no waiting. */
  killNow(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const liveEmulators = new Set<DatastoreEmulator>();
// If the test process dies before teardown, take the emulators (and their JVMs) with it.
process.once('exit', () => {
  for (const emulator of liveEmulators) emulator.killNow();
});
