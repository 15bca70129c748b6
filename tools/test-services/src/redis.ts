/**
 * Real redis-server processes for the tests, on free loopback ports, each in its own temp dir:
 * a standalone server (optionally AOF-backed with fsync on every write) and a 3-master Cluster.
 * Nothing here depends on a server that may already run on 6379.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const HOST = '127.0.0.1';

/** A port the OS just handed out for 127.0.0.1 (bind to port 0, read it, release it). */
/** Whether something accepts a TCP connection at `host:port` (within a second). */
export function portAnswers(hostPort: string): Promise<boolean> {
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon);
  const port = Number(hostPort.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

const tempDirs = new Set<string>();

export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `checkpointkit-${label}-`));
  tempDirs.add(dir);
  return dir;
}

/** One RESP command over a raw socket: no client library, no reconnect loops. */
export function rawCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      );
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      // Simple (+/-/:) replies end at their first CRLF; a bulk reply once its payload arrived.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (
        (!bulk && reply.includes('\r\n')) ||
        (bulk && reply.length >= bulk[0].length + Number(bulk[1]) + 2)
      ) {
        socket.end();
        resolve(reply);
      }
    });
  });
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface RedisServerOptions {
  readonly dir: string;
  readonly port: number;
  /** appendonly yes + appendfsync always. */
  readonly aof?: boolean;
  /** cluster-enabled yes, with this cluster bus port. */
  readonly clusterBusPort?: number;
  /** cluster-node-timeout (default 60 s). */
  readonly clusterNodeTimeoutMs?: number;
}

export class RedisServer {
  private exited: Promise<void>;

  private constructor(
    readonly options: RedisServerOptions,
    private child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get port(): number {
    return this.options.port;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: RedisServerOptions): Promise<RedisServer> {
    const args = [
      '--port',
      String(options.port),
      '--bind',
      HOST,
      '--dir',
      options.dir,
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      join(options.dir, 'redis.log'),
      '--appendonly',
      options.aof ? 'yes' : 'no',
      ...(options.aof ? ['--appendfsync', 'always'] : []),
      ...(options.clusterBusPort
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(options.clusterBusPort),
            '--cluster-config-file',
            join(options.dir, 'nodes.conf'),
            // Long by default: a short timeout lets a loaded machine (a node's reply on the
            // cluster bus late by seconds) mark a node failed and take the Cluster down
            // (CLUSTERDOWN) in the middle of tests that never meant to.
            '--cluster-node-timeout',
            String(options.clusterNodeTimeoutMs ?? 60_000),
          ]
        : []),
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    const server = new RedisServer(options, child);
    liveServers.add(server);
    await waitFor(`redis-server on ${options.port}`, 30_000, async () =>
      (await rawCommand(options.port, 'PING')).startsWith('+PONG'),
    );
    return server;
  }

  /** The crash the restart test needs: no shutdown, no final fsync. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Starts the same server again (same port, dir and options) after kill() or stop(). */
  async restart(): Promise<void> {
    const again = await RedisServer.start(this.options);
    liveServers.delete(again);
    this.child = again.child;
    this.exited = again.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(timer);
    }
    liveServers.delete(this);
  }

  /** For exit handlers: no waiting. */
  killNow(): void {
    this.child.kill('SIGKILL');
  }
}

const liveServers = new Set<RedisServer>();
// If the test process dies before teardown, take the servers and their dirs with it.
process.once('exit', () => {
  for (const server of liveServers) server.killNow();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export interface RedisCluster {
  readonly nodes: { host: string; port: number }[];
  readonly servers: RedisServer[];
  stop(): Promise<void>;
}

/** `masters` servers with cluster-enabled, joined by redis-cli --cluster create, cluster_state:ok. */
export async function startCluster(
  dir: string,
  masters = 3,
  options: { readonly nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const nodeDir = mkdtempSync(join(dir, `node${i}-`));
      servers.push(
        await RedisServer.start({
          dir: nodeDir,
          port: await freePort(),
          clusterBusPort: await freePort(),
          ...(options.nodeTimeoutMs === undefined
            ? {}
            : { clusterNodeTimeoutMs: options.nodeTimeoutMs }),
        }),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((s) => `${HOST}:${s.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const server of servers) {
      await waitFor(`cluster node ${server.port}`, 60_000, async () =>
        (await rawCommand(server.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  return {
    nodes: servers.map((s) => ({ host: HOST, port: s.port })),
    servers,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}
