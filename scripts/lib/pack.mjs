// Helpers shared by check-package.mjs and external-consumer.mjs: pack a workspace package the way
// it would be published and install the tarball into a throw-away project without any network.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    ...options,
  });
}

/** A fresh folder under the OS temp dir (never inside the workspace), removed by `cleanup`. */
export function makeTempDir(prefix) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `checkpointkit-${prefix}-`)));
  if (isInside(dir, workspaceRoot)) throw new Error(`temp dir ${dir} is inside the workspace`);
  return dir;
}

export function cleanup(dir) {
  if (process.env.CHECKPOINTKIT_KEEP_TMP) {
    console.log(`(kept ${dir})`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

export function isInside(child, parent) {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/** `pnpm pack` of pkgDir into destDir; returns the tarball's path. Needs a finished build. */
export function packPackage(pkgDir, destDir) {
  mkdirSync(destDir, { recursive: true });
  const before = new Set(readdirSync(destDir));
  run('pnpm', ['pack', '--pack-destination', destDir], { cwd: pkgDir });
  const created = readdirSync(destDir).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (created.length !== 1)
    throw new Error(`pnpm pack in ${pkgDir} made ${created.length} tarballs`);
  return join(destDir, created[0]);
}

function nodeModulesPath(nodeModules, name) {
  return join(nodeModules, ...name.split('/'));
}

function linkInto(nodeModules, name, target) {
  const dest = nodeModulesPath(nodeModules, name);
  if (existsSync(dest)) return;
  mkdirSync(dirname(dest), { recursive: true });
  symlinkSync(target, dest, 'dir');
}

/**
 * Installs the package in pkgDir into `<projectDir>/node_modules` as a user's install would lay it
 * out: the packed tarball is extracted there (so only the files that would be published exist).
 * Its dependencies and peer dependencies are linked from the workspace install (pkgDir's own
 * node_modules): third-party packages by symlink to their real folder in the pnpm store, workspace
 * packages (e.g. @checkpointkit/core for an adapter) packed and extracted in turn. Optional peers
 * that the workspace does not have are skipped. Returns the installed package.json, the tarball
 * and the folder it was extracted to.
 */
export function installPacked(
  pkgDir,
  projectDir,
  { tarballDir = join(projectDir, '.tarballs'), done = new Set() } = {},
) {
  const manifest = readJson(join(pkgDir, 'package.json'));
  if (done.has(manifest.name)) return null;
  done.add(manifest.name);
  const nodeModules = join(projectDir, 'node_modules');
  const tarball = packPackage(pkgDir, tarballDir);
  const dest = nodeModulesPath(nodeModules, manifest.name);
  mkdirSync(dest, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1']);

  const installed = readJson(join(dest, 'package.json'));
  const optionalPeers = new Set(
    Object.entries(installed.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta?.optional)
      .map(([name]) => name),
  );
  const wanted = new Set([
    ...Object.keys(installed.dependencies ?? {}),
    ...Object.keys(installed.optionalDependencies ?? {}),
    ...Object.keys(installed.peerDependencies ?? {}),
  ]);
  for (const name of wanted) {
    const source = nodeModulesPath(join(pkgDir, 'node_modules'), name);
    if (!existsSync(source)) {
      if (optionalPeers.has(name) || name in (installed.optionalDependencies ?? {})) continue;
      throw new Error(`${manifest.name} needs ${name}, which ${pkgDir}/node_modules does not have`);
    }
    const real = realpathSync(source);
    const fromWorkspace =
      isInside(real, workspaceRoot) && !real.split(sep).includes('node_modules');
    if (fromWorkspace) installPacked(real, projectDir, { tarballDir, done });
    else linkInto(nodeModules, name, real);
  }
  return { manifest: installed, tarball, dir: dest };
}

/** Links packages (e.g. vitest, typescript) from `fromDir`'s node_modules into the project. */
export function linkTools(fromDir, projectDir, names) {
  for (const name of names) {
    const source = nodeModulesPath(join(fromDir, 'node_modules'), name);
    if (!existsSync(source)) throw new Error(`${name} is not installed in ${fromDir}`);
    linkInto(join(projectDir, 'node_modules'), name, realpathSync(source));
  }
}

/** The subpaths of an `exports` map that name a module ('.', './conformance', …). */
export function exportSubpaths(manifest) {
  const { exports } = manifest;
  if (exports == null) return ['.'];
  if (typeof exports === 'string' || Array.isArray(exports)) return ['.'];
  const keys = Object.keys(exports);
  if (!keys.every((k) => k.startsWith('.'))) return ['.'];
  return keys.filter((k) => !k.includes('*') && !k.endsWith('.json') && exports[k] !== null);
}

/** Node's resolution of one `exports` entry under a set of conditions: the target, or null. */
function resolveTarget(entry, conditions) {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const target = resolveTarget(item, conditions);
      if (target != null) return target;
    }
    return null;
  }
  if (entry && typeof entry === 'object') {
    for (const [key, value] of Object.entries(entry)) {
      if (!conditions.has(key)) continue;
      const target = resolveTarget(value, conditions);
      if (target != null) return target;
    }
  }
  return null;
}

/**
 * Whether require() can load an `exports` subpath: false for ESM-only entry points, such as
 * core's "./conformance", which has an `import` condition only.
 */
export function isRequirable(manifest, subpath) {
  const { exports } = manifest;
  if (exports == null || typeof exports === 'string' || Array.isArray(exports)) return true;
  const entry = Object.keys(exports).every((k) => k.startsWith('.')) ? exports[subpath] : exports;
  return resolveTarget(entry, new Set(['node', 'require', 'default'])) != null;
}
