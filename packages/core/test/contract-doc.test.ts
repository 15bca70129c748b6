// docs/contract.md is the contract, with the ids of the conformance cases beside each rule: every
// case is named there, in the section its title names, and every id named there is a real case.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conformanceCases } from '../src/conformance/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = readFileSync(join(root, '..', '..', 'docs', 'contract.md'), 'utf8');

/** Every `[id]` in `text`: a bracketed path of at least two segments, e.g. [checkpoints/claim/renew]. */
const idsIn = (text: string): string[] =>
  [...text.matchAll(/\[([A-Za-z0-9-]+(?:\/[A-Za-z0-9-]+)+)\]/g)].map((m) => m[1] as string);

/** The text of each "## §N …" section, by N. */
const sections = new Map<string, string>(
  doc
    .split(/^(?=## §\d)/m)
    .filter((part) => part.startsWith('## §'))
    .map((part) => [/^## (§\d+)/.exec(part)?.[1] as string, part]),
);

const caseIds = conformanceCases.map((c) => c.id);
const docIds = idsIn(doc);

describe('docs/contract.md', () => {
  it('has the sections §0–§6', () => {
    expect([...sections.keys()]).toEqual(['§0', '§1', '§2', '§3', '§4', '§5', '§6']);
  });

  it('names every conformance case', () => {
    const named = new Set(docIds);
    expect(caseIds.filter((id) => !named.has(id))).toEqual([]);
  });

  it('names only real case ids', () => {
    const real = new Set(caseIds);
    expect([...new Set(docIds.filter((id) => !real.has(id)))]).toEqual([]);
  });

  it('names each case in the section its title starts with, so a failing case leads to its rule', () => {
    const misplaced = conformanceCases
      .map((c) => ({ id: c.id, section: /^(§\d+) /.exec(c.spec)?.[1] }))
      .filter(({ id, section }) => !section || !idsIn(sections.get(section) ?? '').includes(id))
      .map(({ id, section }) => `${id} (${section ?? 'no section'})`);
    expect(misplaced).toEqual([]);
  });

  it('never points at a contract outside the repository', () => {
    expect(doc).not.toContain('SPEC.md');
    expect(doc).not.toContain('../shared');
  });
});
