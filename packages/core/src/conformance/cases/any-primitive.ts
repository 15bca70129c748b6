/**
 * One small probe per primitive, for the general cases (§0, §6) that hold for every primitive:
 * they run on whichever primitives the target implements (`ctx.primitives`), so a partial adapter
 * gets them too.
 */
import { hlc } from '../../hlc.js';
import type { Primitive } from '../../primitives.js';
import { type AnyAdapter, HOUR_MS, key, utf8 } from './support.js';

export interface PrimitiveProbe {
  /** Writes one record of the primitive. */
  write(adapter: AnyAdapter): Promise<void>;
  /** Whether the record `write` made is there, as seen by `adapter`. */
  written(adapter: AnyAdapter): Promise<boolean>;
  /** A call that fails validation, and the `field` its ValidationError names. */
  readonly invalid: { readonly call: (adapter: AnyAdapter) => Promise<unknown>; field: string };
}

export const primitiveProbes: Readonly<Record<Primitive, PrimitiveProbe>> = {
  checkpoints: {
    write: async (a) => {
      await a.checkpoints.insert(key({ uniquifier: 'probe' }), { ttlMs: HOUR_MS });
    },
    written: (a) => a.checkpoints.exists(key({ uniquifier: 'probe' })),
    invalid: {
      call: async (a) => a.checkpoints.exists(key({ project: 'UPPER' })),
      field: 'key.project',
    },
  },
  operations: {
    write: async (a) => {
      await a.operations.open('probe').checkpoint('l', utf8('x'));
    },
    written: async (a) => (await a.operations.open('probe').latest()) !== null,
    invalid: { call: async (a) => a.operations.open(''), field: 'name' },
  },
  groups: {
    write: async (a) => {
      const group = await a.groups.start('probe');
      try {
        await group.advance('p', hlc(1));
      } finally {
        await group.stop();
      }
    },
    written: async (a) => (await a.groups.scanUnresolved()).includes('probe'),
    invalid: { call: (a) => a.groups.start(''), field: 'name' },
  },
  sessions: {
    write: (a) => a.sessions.kv('probe').set('k', utf8('v')),
    written: async (a) => (await a.sessions.kv('probe').get('k')) !== null,
    invalid: { call: async (a) => a.sessions.kv(''), field: 'namespace' },
  },
  nodes: {
    write: (a) => a.nodes<number>().for('probe').create(1),
    written: async (a) => (await a.nodes().list()).includes('probe'),
    invalid: { call: async (a) => a.nodes().for(''), field: 'id' },
  },
};
