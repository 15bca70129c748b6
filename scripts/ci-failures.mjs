#!/usr/bin/env node
// `node scripts/ci-failures.mjs <log>`: after a failed `pnpm test`, prints what failed — each
// failing vitest case with the first lines of its error, and each failing turbo task — as the
// last lines of the CI output, where a reader of a long, interleaved log looks first.
import { readFileSync } from 'node:fs';

const MAX_LINES = 80;
/** Lines of an error kept after its FAIL heading. */
const ERROR_LINES = 4;

const log = process.argv[2];
if (!log) {
  console.error('usage: node scripts/ci-failures.mjs <log of pnpm test>');
  process.exit(2);
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
const plain = (line) => line.replace(/\u001b\[[0-9;]*m/g, '');
const lines = readFileSync(log, 'utf8').split('\n').map(plain);

/** "@checkpointkit/redis:test: text" -> ["@checkpointkit/redis:test", "text"]. */
const split = (line) => {
  const match = /^(@[\w-]+\/[\w-]+:[\w:-]+): ?(.*)$/.exec(line);
  return match ? [match[1], match[2]] : ['', line];
};

const out = [];
for (let i = 0; i < lines.length; i++) {
  const [task, text] = split(lines[i]);
  // vitest's summary of a failing case: " FAIL  test/file.test.ts > describe > name", and of an
  // error outside any case: "⎯⎯ Unhandled Rejection ⎯⎯".
  if (/^\s*FAIL\s|Unhandled (Error|Rejection)/.test(text)) {
    out.push(`${task}: ${text.trim()}`);
    let kept = 0;
    for (let j = i + 1; j < lines.length && kept < ERROR_LINES; j++) {
      const [nextTask, nextText] = split(lines[j]);
      if (nextTask !== task) continue; // another task's interleaved output
      if (/^\s*FAIL\s|⎯{3}|^\s*❯ |^\s*\d+\|/.test(nextText)) break;
      if (nextText.trim() === '') continue;
      out.push(`    ${nextText.trim()}`);
      kept += 1;
    }
  } else if (/ERROR\s+command .* exited|Failed:\s+@|ELIFECYCLE/.test(text)) {
    out.push(text.trim());
  } else if (/^\s*Test Files\s+.*failed/.test(text)) {
    out.push(`${task}: ${text.trim()}`);
  }
}

console.log('\n=== what failed');
if (out.length === 0) {
  console.log('(no failing case found in the log: see the output above)');
} else {
  const shown = out.length > MAX_LINES ? [...out.slice(0, MAX_LINES - 1), '…'] : out;
  for (const line of shown) console.log(line);
}
