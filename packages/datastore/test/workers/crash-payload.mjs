// Deterministic payloads of the crash test, shared by the worker and the checks.

/** An operation checkpoint's data, derived from its label; every third one 1.5 MB (chunked). */
export function payloadOf(label) {
  const index = Number(label.split('-')[1]);
  const length = index % 3 === 2 ? 1_500_000 : 2_000;
  const bytes = new Uint8Array(length);
  let x = 0;
  for (const ch of label) x = (x * 31 + ch.charCodeAt(0)) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** The node's state at `count`: the count and a filler derived from it (a few dozen shards). */
export function nodeState(count) {
  return { count, filler: Array.from({ length: 3_000 }, (_, i) => `${count}:${i}`) };
}
