/**
 * A vitest sequencer for these 2-core machines: the test files that take longest start first, so
 * that a package's run does not end with one long file started late. On a clean checkout (no
 * timing cache) vitest starts the largest files first, and a whole conformance run is a file of
 * six lines: it started last, after every small file.
 *
 * Used from a package's vitest.config.ts: `sequence: { sequencer: longestFirst([/…/, …]) }`.
 * Files matching the first pattern start first, then the second's, …; the rest keep vitest's
 * discovery order. Imports nothing from vitest, so that this package needs no copy of it.
 */
interface TestFile {
  readonly moduleId: string;
}

export function longestFirst(patterns: readonly RegExp[]) {
  const rank = (file: TestFile): number => {
    const index = patterns.findIndex((pattern) => pattern.test(file.moduleId));
    return index === -1 ? patterns.length : index;
  };
  return class LongestFirst {
    /** No sharding here: every file runs in the one vitest process. */
    async shard<T extends TestFile>(files: T[]): Promise<T[]> {
      return files;
    }

    async sort<T extends TestFile>(files: T[]): Promise<T[]> {
      return [...files].sort((a, b) => rank(a) - rank(b));
    }
  };
}
