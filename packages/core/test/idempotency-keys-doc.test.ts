// docs/idempotency-keys.md's handler is real: its code block runs here, over HTTP, against the
// memory adapter.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryAdapter } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = readFileSync(join(root, '..', '..', 'docs', 'idempotency-keys.md'), 'utf8');
const handlerCode = /```ts\n([\s\S]*?)```/.exec(doc)?.[1] as string;

interface ApiResponse {
  status: number;
  body: string;
}
type Factory = (
  adapter: ReturnType<typeof createMemoryAdapter>,
  handle: (body: string) => Promise<ApiResponse>,
) => Server;

const dir = join(root, 'test', '.idempotency-doc');
let idempotentServer: Factory;
let server: Server;
let url: string;
let calls = 0;

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'handler.ts');
  const src = pathToFileURL(join(root, 'src', 'index.ts')).href;
  writeFileSync(file, handlerCode.replaceAll("'@checkpointkit/core'", `'${src}'`));
  ({ idempotentServer } = (await import(pathToFileURL(file).href)) as {
    idempotentServer: Factory;
  });
  const adapter = createMemoryAdapter();
  await adapter.setup();
  server = idempotentServer(adapter, async (body) => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { status: 201, body: `charged ${body} as #${calls}` };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charges`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function post(key: string | null, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: key === null ? {} : { 'Idempotency-Key': key },
  });
  return {
    status: response.status,
    body: await response.text(),
    replayed: response.headers.get('idempotent-replayed') === 'true',
  };
}

describe('docs/idempotency-keys.md: the node:http handler', () => {
  it('a retry with the same key gets the first response; the work ran once', async () => {
    const before = calls;
    const first = await post('key-1', '4200');
    const retry = await post('key-1', '4200');
    expect(first).toEqual({ status: 201, body: `charged 4200 as #${before + 1}`, replayed: false });
    expect(retry).toEqual({ ...first, replayed: true });
    expect(calls - before).toBe(1);
  });

  it('concurrent requests with one key: the work runs once, every request gets its response', async () => {
    const before = calls;
    const responses = await Promise.all(Array.from({ length: 10 }, () => post('key-2', '100')));
    expect(calls - before).toBe(1);
    for (const r of responses) {
      expect(r.status).toBe(201);
      expect(r.body).toBe(`charged 100 as #${before + 1}`);
    }
    expect(responses.filter((r) => !r.replayed).length).toBe(1);
  });

  it('the key with another body is refused with 422, and nothing runs', async () => {
    await post('key-3', '1');
    const before = calls;
    expect((await post('key-3', '2')).status).toBe(422);
    expect(calls).toBe(before);
  });

  it('without a key every request runs', async () => {
    const before = calls;
    await post(null, '5');
    await post(null, '5');
    expect(calls - before).toBe(2);
  });
});
