// The README's code is real: the quick start runs as written against the run's emulator, in a
// namespace of its own.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDatastoreAdapter, datastoreIndexYaml } from '../src/index.js';
import {
  deleteNamespace,
  emulatorHost,
  newClient,
  PROJECT_ID,
  uniqueNamespace,
} from './support/clients.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('README', () => {
  it('the quick start runs and leaves what it says in Datastore', async () => {
    const quickStart = blocks[0] as string;
    expect(quickStart).toContain("createDatastoreAdapter(datastore, { namespace: 'shop' })");
    const namespace = uniqueNamespace('readme');
    const scripts = join(root, 'test', '.readme');
    mkdirSync(scripts, { recursive: true });
    const file = join(scripts, 'quick-start.ts');
    const src = pathToFileURL(join(root, 'src', 'index.ts')).href;
    writeFileSync(
      file,
      quickStart
        .replaceAll("'@checkpointkit/datastore'", `'${src}'`)
        .replaceAll("namespace: 'shop'", `namespace: '${namespace}'`)
        .replace("projectId: 'my-project'", `projectId: '${PROJECT_ID}'`),
    );
    const previousHost = process.env.DATASTORE_EMULATOR_HOST;
    process.env.DATASTORE_EMULATOR_HOST = emulatorHost();
    const client = newClient({ namespace });
    try {
      await import(pathToFileURL(file).href);
      const [charge] = await client.get(client.key({ namespace, path: ['Charge', 'order-42'] }));
      expect(charge?.cents, 'the user entity committed with the checkpoint').toBe(1999);
      const adapter = createDatastoreAdapter(client);
      const key = { project: 'shop', resourceId: 'order-42', processId: 'billing/charge' };
      expect(await adapter.checkpoints.exists(key), 'the checkpoint exists').toBe(true);
      expect((await adapter.nodes<Record<string, number>>().for('totals').get()).shop1).toBe(10);
      await adapter.close();
    } finally {
      if (previousHost === undefined) delete process.env.DATASTORE_EMULATOR_HOST;
      else process.env.DATASTORE_EMULATOR_HOST = previousHost;
      rmSync(scripts, { recursive: true, force: true });
      await deleteNamespace(client, namespace);
    }
  });

  it('the index.yaml it tells you to deploy is datastoreIndexYaml()', () => {
    expect(readme).toContain("datastoreIndexYaml('checkpointkit')");
    expect(datastoreIndexYaml()).toBe(datastoreIndexYaml('checkpointkit'));
  });
});
