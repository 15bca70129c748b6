#!/usr/bin/env node
// External-consumer test: what a user of the published package sees. Run from a package folder
// after its build (turbo task `test:consumer`; a package opts in with
// `"test:consumer": "node ../../scripts/external-consumer.mjs"` and a `test-consumer/` folder).
//   1. packs the package (`pnpm pack`) and installs the tarball, without network, into a
//      throw-away project under the OS temp dir (outside the workspace): package.json with
//      "type": "module", the tarball extracted into node_modules/<name>, its dependencies and
//      peers linked from the workspace install (workspace packages packed too);
//   2. copies every file of the package's test-consumer/ folder into that project;
//   3. type-checks the project with tsc (module NodeNext, against the published .d.ts files),
//   4. runs vitest there; any failure exits non-zero.
// Set CHECKPOINTKIT_KEEP_TMP=1 to keep the temp project for inspection.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanup, installPacked, linkTools, makeTempDir, readJson } from './lib/pack.mjs';

const pkgDir = resolve(process.argv[2] ?? process.cwd());
const manifest = readJson(join(pkgDir, 'package.json'));
const label = `test:consumer ${manifest.name}`;
const fixtures = join(pkgDir, 'test-consumer');

if (!existsSync(fixtures) || readdirSync(fixtures).length === 0) {
  console.error(`${label}: ${fixtures} is missing or empty`);
  process.exit(1);
}

const project = makeTempDir('consumer');
let status = 1;
try {
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'checkpointkit-external-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['**/*.ts'],
        exclude: ['node_modules'],
      },
      null,
      2,
    )}\n`,
  );
  installPacked(pkgDir, project);
  // The test tools a user would install next to the package (vitest is also core's peer).
  linkTools(pkgDir, project, ['vitest', 'typescript', '@types/node']);
  cpSync(fixtures, project, { recursive: true });
  console.log(`${label}: consumer project at ${project}`);

  const step = (name, cmd, args) => {
    const result = spawnSync(cmd, args, { cwd: project, stdio: 'inherit' });
    if (result.status !== 0)
      throw new Error(`${name} exited with ${result.status ?? result.signal}`);
  };
  step('tsc', process.execPath, [
    join(project, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.json',
  ]);
  console.log(`${label}: types ok`);
  step('vitest', process.execPath, [
    join(project, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--root',
    project,
  ]);
  status = 0;
} catch (error) {
  console.error(`${label}: FAIL ${error?.message ?? error}`);
} finally {
  cleanup(project);
}
if (status === 0) console.log(`${label}: ok`);
process.exit(status);
