// `--only`: a section id no suite produces is refused with the list of ids, before anything starts.
import { describe, expect, it } from 'vitest';
import { EXPECTED_SECTION_IDS, selectSuites } from '../src/harness.js';

describe('--only', () => {
  it('refuses an unknown section id and names every known one', () => {
    expect(() => selectSuites(['run-once/sqlite', 'run-once/sqlit'])).toThrow(
      /no section "run-once\/sqlit"; the sections are run-once\/sqlite, /,
    );
    let message = '';
    try {
      selectSuites(['nope']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^--only: no section "nope"/);
    for (const id of EXPECTED_SECTION_IDS) expect(message).toContain(id);
  });

  it('selects the suites that produce the named sections, and all of them without --only', () => {
    expect(selectSuites(['run-once/sqlite', 'groups/redis']).flatMap((s) => s.sections)).toEqual([
      'run-once/sqlite',
      'groups/redis',
    ]);
    expect(selectSuites([]).flatMap((s) => s.sections)).toEqual(EXPECTED_SECTION_IDS);
  });
});
