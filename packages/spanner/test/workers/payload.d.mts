/** The checkpoint payload of step n (see payload.mjs). */
export function payload(step: number): Uint8Array;
