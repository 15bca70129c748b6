/** Epoch milliseconds. Every time an adapter stores or compares comes from one of these. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
