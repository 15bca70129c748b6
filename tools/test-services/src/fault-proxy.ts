/**
 * A TCP proxy on loopback between a client and a server, for fault tests (kernel netem is not
 * available here): it forwards bytes both ways and, when armed, injects one fault on the next
 * client request that matches —
 *   lose-reply         the request reaches the server; the server's reply is dropped and the
 *                      connection cut (the server applied it, the client never hears);
 *   cut-after-request  the request is forwarded and the connection cut at once;
 *   cut-after-reply    the reply is delivered, then the connection is cut.
 * `between` runs once the fault fired; connections made meanwhile (the client reconnecting) are
 * held until it finished, so another writer's turn happens before any resend or read-back.
 * `delayMs` delays every chunk in both directions.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { HOST } from './redis.js';

export type ProxyFaultKind = 'lose-reply' | 'cut-after-request' | 'cut-after-reply';

export interface ProxyFault {
  readonly kind: ProxyFaultKind;
  /** Which request: true when the chunk the client sent holds it. Default: the next request. */
  readonly matches?: (request: Buffer) => boolean;
  readonly between?: () => Promise<void>;
}

export interface ArmedProxyFault {
  fired(): boolean;
  /** Resolves once the fault fired and `between` finished. */
  readonly done: Promise<void>;
}

interface Pending {
  readonly fault: ProxyFault;
  fired: boolean;
  finish(): void;
}

/** Bytes a match may straddle between two chunks of one connection. */
const MATCH_OVERLAP_BYTES = 128;

export class FaultProxy {
  private pending: Pending | null = null;
  private holding: Promise<void> = Promise.resolve();
  private readonly sockets = new Set<Socket>();
  /** Delay added to every chunk, both ways. */
  delayMs = 0;
  /** Faults that fired since start. */
  firedCount = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly upstream: { readonly host: string; readonly port: number },
  ) {}

  static start(upstream: { host: string; port: number }): Promise<FaultProxy> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.on('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        if (typeof address !== 'object' || address === null) {
          reject(new Error('fault proxy: no port'));
          return;
        }
        const proxy = new FaultProxy(server, address.port, upstream);
        server.on('connection', (client) => proxy.accept(client));
        resolve(proxy);
      });
    });
  }

  arm(fault: ProxyFault): ArmedProxyFault {
    let finish = (): void => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const pending: Pending = { fault, fired: false, finish };
    this.pending = pending;
    return { fired: () => pending.fired, done };
  }

  /** Cuts every open connection now (both sides). */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.pending = null;
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    return socket;
  }

  private later(work: () => void): void {
    if (this.delayMs > 0) setTimeout(work, this.delayMs);
    else work();
  }

  private accept(client: Socket): void {
    this.track(client);
    const early: Buffer[] = [];
    const buffer = (chunk: Buffer): void => {
      early.push(chunk);
    };
    client.on('data', buffer);
    // A client reconnecting while a fault's `between` runs waits for it.
    void this.holding.then(() => {
      if (client.destroyed) return;
      const server = this.track(connect(this.upstream.port, this.upstream.host));
      client.off('data', buffer);
      this.pipe(client, server, early);
    });
  }

  private pipe(client: Socket, server: Socket, early: Buffer[]): void {
    let tail = Buffer.alloc(0);
    /** The fault this connection's next reply belongs to. */
    let awaitingReply: Pending | null = null;
    const cut = (): void => {
      client.destroy();
      server.destroy();
    };
    const fire = (pending: Pending): void => {
      pending.fired = true;
      this.firedCount += 1;
      cut();
      const between = pending.fault.between;
      if (!between) {
        pending.finish();
        return;
      }
      this.holding = between().then(
        () => pending.finish(),
        () => pending.finish(),
      );
    };
    const fromClient = (chunk: Buffer): void => {
      const pending = this.pending;
      const window = Buffer.concat([tail, chunk]);
      tail = window.subarray(Math.max(0, window.length - MATCH_OVERLAP_BYTES));
      const hit = pending !== null && (pending.fault.matches?.(window) ?? true);
      this.later(() => {
        if (server.destroyed) return;
        server.write(chunk);
        if (!hit || pending === null) return;
        this.pending = null;
        if (pending.fault.kind === 'cut-after-request') fire(pending);
        else awaitingReply = pending;
      });
    };
    for (const chunk of early) fromClient(chunk);
    client.on('data', fromClient);
    server.on('data', (chunk: Buffer) => {
      this.later(() => {
        const pending = awaitingReply;
        if (pending?.fault.kind === 'lose-reply') {
          awaitingReply = null;
          fire(pending);
          return;
        }
        if (client.destroyed) return;
        client.write(chunk);
        if (pending?.fault.kind === 'cut-after-reply') {
          awaitingReply = null;
          fire(pending);
        }
      });
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  }
}
