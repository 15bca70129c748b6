/**
 * DISTINCT without a scan: SQLite's `SELECT DISTINCT col` visits every row of the index, so a
 * long history makes it slow. A loose index scan seeks from one distinct value to the next —
 * one `col > @after ORDER BY col LIMIT 1` seek per value. Used for the partitions of a group,
 * the groups with unapplied timestamps, and the operations that have checkpoints, whose values
 * are never empty strings, so '' starts the walk.
 */
import type BetterSqlite3 from 'better-sqlite3';

/**
 * `next` is a plucked statement selecting the smallest value greater than `@after` (plus any
 * other `params`); returns every value, ascending.
 */
export function looseIndexScan(
  next: BetterSqlite3.Statement,
  params: Record<string, unknown> = {},
): string[] {
  const values: string[] = [];
  for (
    let value = next.get({ ...params, after: '' }) as string | undefined;
    value !== undefined;
    value = next.get({ ...params, after: value }) as string | undefined
  ) {
    values.push(value);
  }
  return values;
}
