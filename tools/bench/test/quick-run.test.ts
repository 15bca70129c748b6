// The smoke run: the built harness (dist/, exactly what `pnpm bench` runs) in quick mode into a
// temp dir, and the report's structure — every table, both sides of every row, a ratio on every
// row, every target marked pass or fail. No timing is asserted: numbers from a busy CI machine
// prove nothing, a harness that no longer runs does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portAnswers } from '@checkpointkit/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_SECTION_IDS } from '../src/harness.js';
import { sectionAnchor } from '../src/report/markdown.js';
import type { BenchReport } from '../src/report/results.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Every target the benchmark issue sets, by where it appears. */
const TARGETED_SECTIONS: Record<string, number> = {
  'run-once/sqlite': 2, // runOnce at 1 and 32 callers
  'run-once/redis': 2, // exists and tryInsert at 32 callers
  'run-once/powertools': 2,
  'run-once/spanner': 1, // runOnce at 1 caller (the emulator: one read-write transaction at a time)
  'run-once/datastore': 2, // runOnce at 1 and 8 callers
  'operations/sqlite': 3, // raw, LangGraph at FULL, LangGraph at NORMAL
  'operations/spanner': 1,
  'operations/datastore': 1,
  'groups/sqlite': 1,
  'groups/redis': 1,
  'nodes/sqlite': 1,
  'nodes/redis': 1,
};

describe('pnpm bench -- --quick', () => {
  let dir: string;
  let markdown: string;
  let report: BenchReport;

  beforeAll(() => {
    const cli = join(packageDir, 'dist', 'main.js');
    if (!existsSync(cli)) {
      throw new Error(
        'dist/main.js is missing: build first (pnpm --filter @checkpointkit/bench build)',
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'checkpointkit-bench-test-'));
    const run = spawnSync(
      process.execPath,
      [cli, '--quick', '--out', join(dir, 'benchmarks.md'), '--json', join(dir, 'benchmarks.json')],
      { encoding: 'utf8', timeout: 600_000 },
    );
    if (run.status !== 0) {
      throw new Error(`the quick run failed (${run.status}):\n${run.stderr}`);
    }
    markdown = readFileSync(join(dir, 'benchmarks.md'), 'utf8');
    report = JSON.parse(readFileSync(join(dir, 'benchmarks.json'), 'utf8')) as BenchReport;
  }, 620_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('produces every section, in the report and as a table in the Markdown', () => {
    expect(report.mode).toBe('quick');
    expect(report.sections.map((s) => s.id)).toEqual(EXPECTED_SECTION_IDS);
    for (const section of report.sections) {
      expect(markdown).toContain(`<a id="${sectionAnchor(section.id)}"></a>`);
      expect(markdown).toContain(`### ${section.primitive} — ${section.backend}`);
      expect(section.rows.length, section.id).toBeGreaterThan(0);
    }
  });

  it('measures both sides of every row and computes the ratio', () => {
    for (const section of report.sections) {
      for (const row of section.rows) {
        const where = `${section.id}: ${row.caseName}`;
        for (const side of [row.ours, row.baseline]) {
          expect(side.operations, where).toBeGreaterThan(0);
          expect(Number.isFinite(side.opsPerSec), where).toBe(true);
          expect(Number.isFinite(side.p50Ms) && Number.isFinite(side.p99Ms), where).toBe(true);
        }
        expect(Number.isFinite(row.ratio), where).toBe(true);
        expect(markdown).toContain(`**${row.ratio.toFixed(2)}×**`);
      }
    }
  });

  it('counts round trips on Redis, statements on SQLite and RPCs on Spanner and Datastore', () => {
    for (const section of report.sections.filter((s) => !s.id.startsWith('nodes/sqlite'))) {
      for (const row of section.rows) {
        expect(row.ours.requestsPerOp, `${section.id}: ${row.caseName}`).toBeGreaterThan(0);
      }
    }
  });

  it('marks every target pass or fail, and says why for each miss', () => {
    for (const [id, count] of Object.entries(TARGETED_SECTIONS)) {
      const section = report.sections.find((s) => s.id === id);
      const targets = section?.rows.flatMap((row) => (row.target ? [row.target] : [])) ?? [];
      expect(targets.length, id).toBe(count);
      for (const target of targets) {
        expect(typeof target.pass).toBe('boolean');
        if (!target.pass) expect(target.whyMissed, `${id}: ${target.text}`).toBeTruthy();
      }
    }
    const marked = markdown.match(/✅ pass|❌ FAIL/g) ?? [];
    const targetCount = Object.values(TARGETED_SECTIONS).reduce((a, b) => a + b, 0);
    // Once in the targets summary, once in the row of its table.
    expect(marked.length).toBe(targetCount * 2);
  });

  it('says that the Spanner and Datastore rows ran on emulators whose timings are not production', () => {
    expect(markdown).toContain("Emulator timings are not production's");
    for (const id of [
      'run-once/spanner',
      'operations/spanner',
      'run-once/datastore',
      'operations/datastore',
    ]) {
      const section = report.sections.find((s) => s.id === id);
      expect(section?.notes?.join(' '), id).toMatch(/not production's/);
    }
    expect(report.environment.join('\n')).toMatch(
      /Cloud Spanner emulator .*\n.*Cloud Datastore emulator/,
    );
  });

  it('stopped the emulators it started', async () => {
    // The report names their loopback ports; nothing may answer on them after the run.
    const hostPorts = report.environment.flatMap((line) =>
      [...line.matchAll(/\((?:gRPC )?(127\.0\.0\.1:\d+)\)/g)].map((m) => m[1] as string),
    );
    expect(hostPorts.length).toBe(2);
    for (const hostPort of hostPorts) expect(await portAnswers(hostPort), hostPort).toBe(false);
  });
});
