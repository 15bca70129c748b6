// The demo on SQLite (a file in a temp dir), killed anywhere and resumed: see support/demo-runs.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { crashAndResume } from './support/demo-runs.js';

describe('the demo survives SIGKILL anywhere and resumes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'checkpointkit-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  crashAndResume({ name: 'sqlite', args: () => ['--backend', 'sqlite', '--data-dir', dataDir] });
});
