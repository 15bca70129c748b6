#!/usr/bin/env node
// `pnpm demo [options]`: builds the demo app and the packages it uses (turbo, cached after the
// first time), then runs it in this process's terminal with the options as given. The demo is
// apps/demo (package @checkpointkit/demo); `pnpm demo --help` lists its options.
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Quiet unless it fails (with --json, stdout is the summary and nothing else), but a build that
// takes a while (the first one: about a minute) says what is going on, on stderr.
const build = await new Promise((resolve, reject) => {
  const child = spawn(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      '--filter=@checkpointkit/demo...',
      '--output-logs=errors-only',
    ],
    {
      cwd: root,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const started = Date.now();
  const slow = setTimeout(() => {
    process.stderr.write(
      'checkpointkit demo: building the demo and the packages it uses (the first build takes about a minute)…\n',
    );
  }, 2000);
  child.on('error', reject);
  child.on('close', (status) => {
    clearTimeout(slow);
    resolve({ status, output, seconds: (Date.now() - started) / 1000 });
  });
});
if (build.status !== 0) {
  process.stderr.write(build.output);
  console.error('checkpointkit demo: the build failed (see above)');
  process.exit(build.status ?? 1);
}
if (build.seconds >= 2) {
  process.stderr.write(`checkpointkit demo: built in ${build.seconds.toFixed(0)} s\n`);
}

const demo = spawnSync(
  process.execPath,
  [join(root, 'apps', 'demo', 'dist', 'main.js'), ...process.argv.slice(2)],
  // The demo resolves relative paths (--data-dir, the default ./.demo-data) against INIT_CWD, which
  // pnpm sets to where the user typed the command, or else against this same working directory.
  { stdio: 'inherit' },
);
// A signal (--crash-after kills the demo with SIGKILL) becomes the shell's 128 + signal number.
process.exit(demo.signal ? 128 + (constants.signals[demo.signal] ?? 0) : (demo.status ?? 1));
