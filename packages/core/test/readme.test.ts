// The README's code is real: the quick start runs, and the custom-adapter example is the file
// that test-consumer/ runs against the packed package.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);

/** Code without comments or whitespace, so formatting and explanations may differ. */
const code = (text: string): string =>
  text
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('')
    .replace(/\s+/g, '')
    .replace(/,([}\])])/g, '$1');

describe('README', () => {
  it('the quick start runs against the memory adapter', async () => {
    const quickStart = blocks[0] as string;
    expect(quickStart).toContain('createMemoryAdapter');
    const dir = join(root, 'test', '.readme');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'quick-start.ts');
    const src = pathToFileURL(join(root, 'src', 'index.ts')).href;
    writeFileSync(file, quickStart.replaceAll("'@checkpointkit/core'", `'${src}'`));
    try {
      await import(pathToFileURL(file).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the custom-adapter test file is the one test-consumer/ runs', () => {
    const example = blocks.find((b) => b.includes('runConformance')) as string;
    const consumer = readFileSync(
      join(root, 'test-consumer', 'conformance.consumer.test.ts'),
      'utf8',
    );
    expect(code(example)).toBe(code(consumer));
  });
});
