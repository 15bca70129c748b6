/** Concurrency with a ceiling, for fan-outs over many keys. */

/** Runs `task` over `items`, at most `width` at a time; returns the results in order. */
export async function boundedMap<T, R>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  }
  return results;
}
