/**
 * Counts the statements a better-sqlite3 connection executes, through its `verbose` hook. The
 * hook expands every statement's SQL with its parameters (a 1 KiB BLOB becomes 2 KiB of hex), so
 * it is far too slow to leave on while timing: each SQLite suite counts on a second, instrumented
 * connection to the same file, in a short pass of its own.
 */
export interface StatementCounter {
  readonly verbose: () => void;
  read(): number;
}

export function countStatements(): StatementCounter {
  let statements = 0;
  return {
    verbose: () => {
      statements++;
    },
    read: () => statements,
  };
}
