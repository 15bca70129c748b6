export function payloadOf(label: string): Uint8Array;
export function nodeState(count: number): { count: number; filler: string[] };
