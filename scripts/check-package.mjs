#!/usr/bin/env node
// Package check for a publishable workspace package, run from its folder after its build
// (turbo task `check:package`; a package opts in with
// `"check:package": "node ../../scripts/check-package.mjs"`). On the packed tarball it runs:
//   1. publint (strict: warnings fail too),
//   2. @arethetypeswrong/cli: profile node16 (node16 from CJS and ESM, bundler) for the entry
//      points that have a CJS build, profile esm-only for ESM-only ones (an `exports` subpath with
//      an `import` condition but no `require`/`default`, such as core's "./conformance"),
//   3. a smoke test: every `exports` subpath, installed from the tarball into a throw-away
//      project under the OS temp dir, loads through import() and exports at least one name;
//      through require() it gives the same names (ESM-only entry points: require() must be
//      refused with ERR_PACKAGE_PATH_NOT_EXPORTED).
// Set CHECKPOINTKIT_KEEP_TMP=1 to keep the temp project for inspection.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import {
  cleanup,
  exportSubpaths,
  installPacked,
  isRequirable,
  makeTempDir,
  readJson,
  workspaceRoot,
} from './lib/pack.mjs';

const pkgDir = resolve(process.argv[2] ?? process.cwd());
const manifest = readJson(join(pkgDir, 'package.json'));
const label = `check:package ${manifest.name}`;

if (manifest.private) {
  console.log(`${label}: private package, nothing to check`);
  process.exit(0);
}

let failed = false;
const fail = (message) => {
  failed = true;
  console.error(`${label}: FAIL ${message}`);
};

const tmp = makeTempDir('check');
try {
  const { manifest: installed, tarball, dir: installedDir } = installPacked(pkgDir, tmp);

  // 1. publint on the tarball's contents (extracted: exactly the files that would be published).
  const { messages, pkg } = await publint({ pkgDir: installedDir, pack: false, strict: true });
  for (const message of messages) {
    const text = `publint ${message.type}: ${formatMessage(message, pkg)}`;
    if (message.type === 'suggestion') console.log(`${label}: ${text}`);
    else fail(text);
  }
  if (!messages.some((m) => m.type !== 'suggestion')) console.log(`${label}: publint ok`);

  // 2. are the types wrong?
  const subpaths = exportSubpaths(installed);
  const esmOnly = subpaths.filter((s) => !isRequirable(installed, s));
  const attw = join(workspaceRoot, 'node_modules', '.bin', 'attw');
  const attwRuns = [
    ['--profile', 'node16', ...(esmOnly.length ? ['--exclude-entrypoints', ...esmOnly] : [])],
  ];
  if (esmOnly.length) attwRuns.push(['--profile', 'esm-only', '--entrypoints', ...esmOnly]);
  for (const args of attwRuns) {
    // Its table only when it fails: a passing one lists resolutions the profile ignores as
    // "(ignored) 💀 Resolution failed", which reads like trouble and is not news.
    const attwRun = spawnSync(attw, [tarball, '--format', 'table-flipped', '--no-color', ...args], {
      encoding: 'utf8',
    });
    if (attwRun.status !== 0) {
      process.stdout.write(`${attwRun.stdout ?? ''}${attwRun.stderr ?? ''}`);
      fail(`attw ${args.join(' ')} exited with ${attwRun.status ?? attwRun.signal}`);
    } else console.log(`${label}: attw ${args.join(' ')}: ok`);
  }

  // 3. import() and require() of every entry point.
  const specOf = (subpath) =>
    subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
  const probe = join(tmp, 'probe.mjs');
  writeFileSync(
    probe,
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort();
const results = {};
for (const spec of ${JSON.stringify(subpaths.map(specOf))}) {
  const result = (results[spec] = {});
  try { result.esm = names(await import(spec)); } catch (e) { result.esmError = String(e?.stack ?? e); }
  try { result.cjs = names(require(spec)); } catch (e) { result.cjsError = String(e?.stack ?? e); result.cjsCode = e?.code; }
}
process.stdout.write(JSON.stringify(results));
`,
  );
  const probeRun = spawnSync(process.execPath, [probe], { cwd: tmp, encoding: 'utf8' });
  if (probeRun.status !== 0) {
    fail(`smoke probe exited with ${probeRun.status}:\n${probeRun.stderr}`);
  } else {
    const results = JSON.parse(probeRun.stdout);
    for (const subpath of subpaths) {
      const spec = specOf(subpath);
      const r = results[spec];
      if (r.esmError) fail(`import('${spec}') threw:\n${r.esmError}`);
      else if (r.esm.length === 0) fail(`import('${spec}') exports no names`);
      if (!isRequirable(installed, subpath)) {
        if (r.cjsCode !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
          fail(
            `'${spec}' is ESM-only, but require() did not refuse it: ${r.cjsError ?? 'it loaded'}`,
          );
        } else if (!r.esmError) {
          console.log(`${label}: '${spec}' (ESM-only) loads via import(): ${r.esm.length} names`);
        }
        continue;
      }
      if (r.cjsError) fail(`require('${spec}') threw:\n${r.cjsError}`);
      if (r.esmError || r.cjsError) continue;
      const onlyEsm = r.esm.filter((n) => !r.cjs.includes(n));
      const onlyCjs = r.cjs.filter((n) => !r.esm.includes(n));
      if (onlyEsm.length || onlyCjs.length) {
        fail(`'${spec}': ESM-only names [${onlyEsm}], CJS-only names [${onlyCjs}]`);
      } else {
        console.log(`${label}: '${spec}' loads via import() and require(): ${r.esm.length} names`);
      }
    }
  }
} catch (error) {
  fail(error?.stack ?? String(error));
} finally {
  cleanup(tmp);
}

if (failed) process.exit(1);
console.log(`${label}: ok`);
