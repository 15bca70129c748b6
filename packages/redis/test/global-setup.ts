/**
 * Starts the servers the test files share — a standalone redis-server (AOF, fsync always) and a
 * 3-master Cluster — on free loopback ports in a temp dir, and stops them (removing the dir)
 * after the run, also when tests fail. Test files read them with inject('redis').
 */

import {
  freePort,
  HOST,
  makeTempDir,
  RedisServer,
  removeDir,
  startCluster,
} from '@checkpointkit/test-services';
import type { TestProject } from 'vitest/node';

export interface RedisTestServers {
  readonly standalone: { readonly host: string; readonly port: number };
  readonly cluster: readonly { readonly host: string; readonly port: number }[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    redis: RedisTestServers;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = makeTempDir('shared');
  const started: { stop(): Promise<void> }[] = [];
  const teardown = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
    removeDir(dir);
  };
  try {
    const [standalone, cluster] = await Promise.all([
      freePort().then((port) => RedisServer.start({ dir, port, aof: true })),
      startCluster(dir),
    ]);
    started.push(standalone, cluster);
    project.provide('redis', {
      standalone: { host: HOST, port: standalone.port },
      cluster: cluster.nodes,
    });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
