/** A clock the suite moves by hand, so expiry is tested without sleeping. */
export class ManualClock {
  /** 2026-01-01T00:00:00Z. */
  static readonly START_MS = 1_767_225_600_000;
  private nowMs: number;

  constructor(startMs = ManualClock.START_MS) {
    this.nowMs = startMs;
  }

  /** The function to hand to an adapter's `clock` option. */
  readonly now = (): number => this.nowMs;

  advance(ms: number): number {
    this.nowMs += ms;
    return this.nowMs;
  }
}
