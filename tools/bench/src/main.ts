/**
 * `pnpm bench` (root: `turbo run bench`, which builds first): runs every benchmark and writes
 * docs/benchmarks.md; `pnpm bench -- --quick` is the smoke run (tiny budgets, report in the OS
 * temp dir unless `--out` says otherwise).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseCliOptions } from './cli-options.js';
import { runBenchmarks } from './harness.js';
import { FULL_PROFILE, QUICK_PROFILE } from './profile.js';
import { formatMarkdown } from './report/biome-format.js';
import { reportIntro } from './report/intro.js';
import { renderMarkdown } from './report/markdown.js';

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2));
  const profile = options.mode === 'quick' ? QUICK_PROFILE : FULL_PROFILE;
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  log(`checkpointkit bench: ${profile.mode} run`);
  const report = await runBenchmarks(profile, log, options.only);
  const markdown = formatMarkdown(renderMarkdown(report, reportIntro(report)), options.outPath);
  mkdirSync(dirname(options.outPath), { recursive: true });
  writeFileSync(options.outPath, markdown);
  if (options.jsonPath) {
    mkdirSync(dirname(options.jsonPath), { recursive: true });
    writeFileSync(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  }
  process.stdout.write(markdown);
  log(`wrote ${options.outPath} (${(report.durationMs / 1000).toFixed(1)} s)`);
}

// @google-cloud/spanner installs SIGTERM/SIGINT handlers that keep a process with open handles
// alive: exit on them, so that the exit handlers stop the emulators and the redis-server.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => process.exit(signal === 'SIGTERM' ? 143 : 130));
}

main().then(
  // test-services' exit handler stops any server a failure left behind.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
