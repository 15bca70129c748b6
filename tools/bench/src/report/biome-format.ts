/**
 * The report goes through the repository's own formatter (Biome formats Markdown: aligned table
 * columns, `_emphasis_`), so that the committed docs/benchmarks.md passes `biome check` exactly
 * as generated, with the repository's biome.json.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { workspaceRoot } from '../workspace-root.js';

export function formatMarkdown(markdown: string, outPath: string): string {
  const root = workspaceRoot();
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  // A path inside the workspace picks up its biome.json; the file itself need not exist yet.
  const stdinPath = outPath.startsWith(root) ? relative(root, outPath) : 'docs/benchmarks.md';
  const formatted = spawnSync(
    process.execPath,
    [biome, 'format', `--stdin-file-path=${stdinPath}`],
    { cwd: root, input: markdown, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (formatted.status !== 0) {
    throw new Error(`biome could not format the report: ${formatted.stderr}`);
  }
  return formatted.stdout;
}
