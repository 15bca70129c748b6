#!/usr/bin/env node
// `pnpm demo`: runs the demo app once it exists (apps/demo, package @checkpointkit/demo).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (!existsSync(join(root, 'apps', 'demo', 'package.json'))) {
  console.log('checkpointkit: the demo (apps/demo) is not here yet; it comes with its own issue.');
  process.exit(0);
}

const result = spawnSync(
  'pnpm',
  ['--filter', '@checkpointkit/demo', 'start', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
