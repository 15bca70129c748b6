/**
 * The five primitives by name: what `Adapter.primitives` lists, what `NotImplementedError`
 * names, and what a conformance case declares it needs.
 */

export const PRIMITIVES = ['checkpoints', 'operations', 'groups', 'sessions', 'nodes'] as const;

/** A primitive, named by its property on the Adapter (`adapter.checkpoints`, …). */
export type Primitive = (typeof PRIMITIVES)[number];

/** What each primitive is called in the contract (docs/contract.md) and in messages. */
export const PRIMITIVE_TITLES: Readonly<Record<Primitive, string>> = {
  checkpoints: 'run-once checkpoints',
  operations: 'operation checkpoints',
  groups: 'checkpoint groups',
  sessions: 'commit sessions',
  nodes: 'sharded node state',
};

export function isPrimitive(name: unknown): name is Primitive {
  return (PRIMITIVES as readonly unknown[]).includes(name);
}
