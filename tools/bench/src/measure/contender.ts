/** One side of a comparison: an operation to time and what it costs the backend per call. */
export interface Contender {
  readonly label: string;
  readonly op: () => Promise<unknown>;
  /** Redis round trips or SQLite statements per operation, counted beforehand; null if not counted. */
  readonly requestsPerOp: number | null;
  readonly details?: readonly string[];
}
