/**
 * A run-wide counter for fresh keys: every operation of every contender (timed or counted) that
 * needs a key nobody used gets its own number.
 */
let last = 0;

export function nextSequence(): number {
  last += 1;
  return last;
}
