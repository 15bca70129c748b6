/** Backend requests per operation: a short sequential pass, before the timed rounds. */
export async function requestsPerOp(
  op: () => Promise<unknown>,
  read: () => number,
  operations: number,
): Promise<number> {
  const before = read();
  for (let i = 0; i < operations; i++) await op();
  return (read() - before) / operations;
}
