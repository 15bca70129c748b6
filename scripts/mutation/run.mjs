#!/usr/bin/env node
/**
 * The mutation run: does the shared conformance suite alone catch the mistakes adapter authors
 * make? Each mutant of ./mutants/*.mjs is one such mistake — a search/replace on one source file
 * of an adapter. For each, the adapter package is copied to a scratch folder under the OS temp
 * dir (the repository is never written to, so an interrupted run cannot leave it mutated), the
 * pristine file is restored and patched there, and ONLY the adapter's conformance test files run
 * against it (vitest, 1 worker, bail on the first failing case). A failing case kills the mutant;
 * a patch that does not apply, or a run that fails without a failing case, is an error.
 *
 *   pnpm mutation                          every adapter (builds core and sqlite first)
 *   pnpm mutation --adapter memory         one adapter
 *   pnpm mutation --only sqlite/begin-deferred,memory/no-lock
 *   pnpm mutation --list                   the catalogue, nothing run
 *   pnpm mutation --no-build               reuse the dist/ folders as they are
 *   pnpm mutation --typecheck              only check that every mutant applies and compiles (tsc)
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import memory from './mutants/memory.mjs';
import sqlite from './mutants/sqlite.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const catalogues = { memory, sqlite };

function parseArgs(argv) {
  const args = { adapters: Object.keys(catalogues), only: null, list: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--adapter') args.adapters = argv[++i].split(',');
    else if (arg === '--only') args.only = new Set(argv[++i].split(','));
    else if (arg === '--list') args.list = true;
    else if (arg === '--no-build') args.build = false;
    else if (arg === '--typecheck') args.typecheck = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const adapter of args.adapters) {
    if (!catalogues[adapter]) throw new Error(`no mutant catalogue for adapter ${adapter}`);
  }
  return args;
}

/** The edits of a mutant: `{ search, replace, count? }`, one or several. */
const editsOf = (mutant) =>
  mutant.edits ?? [{ search: mutant.search, replace: mutant.replace, count: mutant.count }];

/** The patched text, or an error naming the edit that does not apply. */
function applyMutant(mutant, pristine) {
  let text = pristine;
  for (const [n, edit] of editsOf(mutant).entries()) {
    const expected = edit.count ?? 1;
    const found = text.split(edit.search).length - 1;
    if (found !== expected) {
      return {
        error: `edit ${n + 1} of ${mutant.id}: the search text occurs ${found} times in ${mutant.file}, expected ${expected}`,
      };
    }
    text = text.split(edit.search).join(edit.replace);
  }
  if (text === pristine) return { error: `${mutant.id}: the patch changes nothing` };
  return { text };
}

/**
 * A scratch copy of the package: its sources, tests and configs (and dist/, which worker
 * processes import), with node_modules linked to the real one so that dependencies resolve.
 */
function scratchCopy(catalogue) {
  const root = mkdtempSync(join(tmpdir(), `ck-mutation-${catalogue.adapter}-`));
  const from = join(repo, catalogue.package);
  const to = join(root, catalogue.package);
  for (const entry of [
    'src',
    'test',
    'dist',
    'package.json',
    'tsconfig.json',
    'vitest.config.ts',
  ]) {
    if (existsSync(join(from, entry)))
      cpSync(join(from, entry), join(to, entry), { recursive: true });
  }
  cpSync(join(repo, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
  symlinkSync(join(from, 'node_modules'), join(to, 'node_modules'), 'dir');
  return { root, dir: to };
}

const require = createRequire(join(repo, 'packages', 'core', 'package.json'));
const vitestBin = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const tscBin = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');

/** Runs the conformance files in `dir`; the outcome and the first failing case's id. */
function runSuite(catalogue, dir) {
  const report = join(dir, 'mutation-report.json');
  rmSync(report, { force: true });
  const run = spawnSync(
    process.execPath,
    [
      vitestBin,
      'run',
      ...catalogue.tests,
      '--bail=1',
      '--maxWorkers=1',
      '--reporter=json',
      `--outputFile=${report}`,
    ],
    { cwd: dir, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (!existsSync(report)) {
    return {
      outcome: 'error',
      detail: `vitest wrote no report (exit ${run.status}): ${run.stderr.slice(-500)}`,
    };
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const failed = json.testResults
    .flatMap((file) => file.assertionResults)
    .filter((test) => test.status === 'failed');
  if (failed.length > 0) {
    const title = failed[0].title;
    const id = /\[([^\][]+)\]$/.exec(title)?.[1] ?? title;
    const message = (failed[0].failureMessages?.[0] ?? '').split('\n')[0].slice(0, 160);
    return { outcome: 'killed', by: id, detail: message };
  }
  const broken = json.testResults.find((file) => file.status === 'failed');
  if (broken || run.status !== 0) {
    return {
      outcome: 'error',
      detail: `no case failed, yet the run did (exit ${run.status}): ${(broken?.message ?? run.stderr).slice(0, 300)}`,
    };
  }
  return { outcome: 'survived' };
}

function typecheck(dir) {
  const run = spawnSync(process.execPath, [tscBin, '--noEmit', '-p', 'tsconfig.json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return run.status === 0 ? null : run.stdout.slice(0, 500);
}

function build() {
  const run = spawnSync(
    'pnpm',
    ['--filter', '@checkpointkit/core', '--filter', '@checkpointkit/sqlite', 'build'],
    { cwd: repo, stdio: 'inherit' },
  );
  if (run.status !== 0) throw new Error('the build failed');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const selected = (catalogue) =>
    catalogue.mutants.filter((m) => args.only === null || args.only.has(m.id));
  if (args.list) {
    for (const adapter of args.adapters) {
      for (const m of selected(catalogues[adapter]))
        console.log(`${m.id}\t${m.file}\t${m.mistake}`);
    }
    return 0;
  }
  const ids = new Set();
  for (const adapter of args.adapters) {
    for (const m of catalogues[adapter].mutants) {
      if (ids.has(m.id)) throw new Error(`duplicate mutant id ${m.id}`);
      ids.add(m.id);
    }
  }
  if (args.build) build();
  const started = Date.now();
  const results = [];
  const scratch = [];
  const cleanUp = () => {
    for (const s of scratch.splice(0)) rmSync(s.root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    for (const adapter of args.adapters) {
      const catalogue = catalogues[adapter];
      const mutants = selected(catalogue);
      if (mutants.length === 0) continue;
      const copy = scratchCopy(catalogue);
      scratch.push(copy);
      const baseline = args.typecheck ? { outcome: 'survived' } : runSuite(catalogue, copy.dir);
      if (baseline.outcome !== 'survived') {
        throw new Error(
          `${adapter}: the unmutated adapter does not pass its conformance suite: ${baseline.by ?? ''} ${baseline.detail}`,
        );
      }
      for (const mutant of mutants) {
        const file = join(copy.dir, mutant.file);
        const pristine = readFileSync(join(repo, catalogue.package, mutant.file), 'utf8');
        const t0 = Date.now();
        const patched = applyMutant(mutant, pristine);
        let result;
        if (patched.error) {
          result = { outcome: 'error', detail: patched.error };
        } else {
          writeFileSync(file, patched.text);
          try {
            if (args.typecheck) {
              const compileError = typecheck(copy.dir);
              result = compileError
                ? { outcome: 'error', detail: `does not compile: ${compileError}` }
                : { outcome: 'compiles' };
            } else {
              result = runSuite(catalogue, copy.dir);
            }
          } finally {
            writeFileSync(file, pristine);
          }
        }
        const seconds = (Date.now() - t0) / 1000;
        results.push({ adapter, mutant, ...result, seconds });
        const by = result.by ? ` by [${result.by}]` : '';
        console.log(
          `${result.outcome.padEnd(8)} ${mutant.id}${by} (${seconds.toFixed(1)} s)${result.outcome === 'error' ? `\n         ${result.detail}` : ''}`,
        );
      }
    }
  } finally {
    cleanUp();
  }
  if (!args.typecheck) printTable(results, (Date.now() - started) / 1000);
  return results.some((r) => r.outcome === 'error') ? 2 : 0;
}

function printTable(results, seconds) {
  const rows = results.map((r) => [r.mutant.id, r.outcome, r.by ?? '', r.seconds.toFixed(1)]);
  const header = ['mutant', 'outcome', 'killed by', 's'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const adapter of [...new Set(results.map((r) => r.adapter))]) {
    const mine = results.filter((r) => r.adapter === adapter);
    const killed = mine.filter((r) => r.outcome === 'killed').length;
    const errors = mine.filter((r) => r.outcome === 'error').length;
    const scored = mine.length - errors;
    const survivors = mine.filter((r) => r.outcome === 'survived').map((r) => r.mutant.id);
    console.log(
      `${adapter}: ${killed}/${scored} killed (${scored ? ((100 * killed) / scored).toFixed(1) : '0.0'}%)` +
        `${errors ? `, ${errors} error(s)` : ''}${survivors.length ? `; survivors: ${survivors.join(', ')}` : ''}`,
    );
  }
  console.log(`total time: ${(seconds / 60).toFixed(1)} min`);
}

process.exitCode = main();
