// The README's code is real: the quick start runs as written, on a temp file.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('README', () => {
  it('the quick start runs and leaves what it says in the file', async () => {
    const quickStart = blocks[0] as string;
    expect(quickStart).toContain("createSqliteAdapter({ path: 'progress.db' })");
    const { dir, remove } = tempDir();
    const database = join(dir, 'progress.db');
    const scripts = join(root, 'test', '.readme');
    mkdirSync(scripts, { recursive: true });
    const file = join(scripts, 'quick-start.ts');
    const src = pathToFileURL(join(root, 'src', 'index.ts')).href;
    writeFileSync(
      file,
      quickStart
        .replaceAll("'@checkpointkit/sqlite'", `'${src}'`)
        .replace("'progress.db'", JSON.stringify(database)),
    );
    try {
      await import(pathToFileURL(file).href);
      const db = new Database(database, { readonly: true });
      expect(db.prepare('SELECT cents FROM charges').pluck().all()).toEqual([1999]);
      expect(db.prepare('SELECT count(*) FROM checkpointkit_checkpoints').pluck().get()).toBe(1);
      db.close();
    } finally {
      rmSync(scripts, { recursive: true, force: true });
      remove();
    }
  });
});
