/** createDatastoreAdapter's options: their defaults, in one place, and their validation. */
import {
  type CommonAdapterOptions,
  type ResolvedAdapterOptions,
  requireName,
  requireTablePrefix,
  resolveAdapterOptions,
  ValidationError,
} from '@checkpointkit/core';

export interface DatastoreAdapterOptions extends CommonAdapterOptions {
  /**
   * The Datastore namespace every entity of the adapter lives in; default: the client's own
   * namespace (usually the default, empty one). Tenants in different namespaces never meet.
   */
  readonly namespace?: string;
  /** Prefix of every kind, `<prefix>_Checkpoint` …; default "checkpointkit". */
  readonly kindPrefix?: string;
}

export const DATASTORE_DEFAULTS = {
  kindPrefix: 'checkpointkit',
} as const satisfies Partial<DatastoreAdapterOptions>;

export type ResolvedDatastoreOptions = ResolvedAdapterOptions & {
  readonly namespace: string | undefined;
  readonly kindPrefix: string;
};

/** Datastore namespaces: up to 100 characters of [0-9A-Za-z._-], not of the reserved `__…__` form. */
const NAMESPACE_PATTERN = /^(?!__.*__$)[0-9A-Za-z._-]{1,100}$/;

export function resolveDatastoreOptions(
  options: DatastoreAdapterOptions = {},
): ResolvedDatastoreOptions {
  const common = resolveAdapterOptions(options);
  const kindPrefix = requireTablePrefix(
    'kindPrefix',
    options.kindPrefix ?? DATASTORE_DEFAULTS.kindPrefix,
  );
  const namespace =
    options.namespace === undefined || options.namespace === ''
      ? undefined
      : requireNamespace(options.namespace);
  return { ...common, kindPrefix, namespace };
}

function requireNamespace(value: unknown): string {
  const namespace = requireName('namespace', value, 100);
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new ValidationError(
      'namespace',
      `${JSON.stringify(namespace)} is not a Datastore namespace (${NAMESPACE_PATTERN})`,
    );
  }
  return namespace;
}
