/**
 * The entity kinds and key layout of the adapter, documented once, and the composite indexes its
 * queries need (`datastoreIndexYaml`). Every kind is `<kindPrefix>_<Name>`; every entity lives in
 * the adapter's namespace. Key names built from user strings are the string behind a ':' (a
 * key name may be neither empty nor of the reserved `__…__` form, and a prefix keeps the order),
 * one user string per path element — except a checkpoint's scope, which joins three whose
 * patterns exclude the separator (scopeNameOf) — so a key path is injective by construction.
 *
 * Kind (ancestors → entity)                                     Entity group (root)
 *   CheckpointScope scopeNameOf(project, processId, resourceId)  the scope
 *     → Checkpoint sortableNameOf(uniquifier)  creationMs, expiryMs (indexed, for purge),
 *                                   expireAt (for a TTL policy), claim, result, fingerprint
 *   Operation ':'name               lastSeq, floorSeq, live (indexed), lastToken, lease   the operation
 *     → OperationCheckpoint <seq 16 digits>[/<blob>]   label, createdMs, data (inline)
 *     → OperationChunk <blob>/<index 6 digits>         bytes (one ≤ 1,000,000-byte piece)
 *   Group ':'group                  unapplied (count, indexed)                            the group
 *     → GroupPartition ':'partition (no properties: the list of a group's partitions)
 *     GroupPartition → GroupTimestamp <hlcSortKey>     applied, ts (= the key name, indexed)
 *   SessionNamespace ':'namespace → SessionKv ':'key   value                             the namespace
 *   Dataset ':'name                 lastKey, lastId (the marker)                          the dataset
 *     → DatasetRow ':'key           value
 *   NodeRoot ':'id                  generation, byteLength, sha256 (the head)             the node
 *     → NodeShardList <generation 16 digits>  shards (the hashes, in order, space-separated)
 *     → NodeShard <sha256 hex>      bytes
 *     → NodeShardStamp <sha256 hex> stampMs (kept apart so that re-stamping moves no payload)
 *
 * CheckpointScope and SessionNamespace are ancestors only: no entity of those kinds is stored.
 * Every entity an atomic step writes also carries `writeId`, the attempt that wrote it, so that a
 * lost commit reply can be settled by reading it back (./connection.ts).
 */

export const KIND_NAMES = [
  'CheckpointScope',
  'Checkpoint',
  'Operation',
  'OperationCheckpoint',
  'OperationChunk',
  'Group',
  'GroupPartition',
  'GroupTimestamp',
  'SessionNamespace',
  'SessionKv',
  'Dataset',
  'DatasetRow',
  'NodeRoot',
  'NodeShardList',
  'NodeShard',
  'NodeShardStamp',
] as const;

export type KindName = (typeof KIND_NAMES)[number];
export type Kinds = Readonly<Record<KindName, string>>;

export function kindNames(prefix: string): Kinds {
  return Object.fromEntries(KIND_NAMES.map((name) => [name, `${prefix}_${name}`])) as Record<
    KindName,
    string
  >;
}

/** The key name of a user string: never empty, never reserved, same order as the strings. */
export function nameOf(value: string): string {
  return `:${value}`;
}

export function userStringOf(keyName: string): string {
  return keyName.slice(1);
}

/**
 * The composite indexes the adapter's queries need, as an `index.yaml` for
 * `gcloud datastore indexes create index.yaml` (the emulator needs none; production does). Both
 * are on GroupTimestamp and both are ancestor indexes — the two the emulator records as used
 * (its WEB-INF/appengine-generated/datastore-indexes-auto.xml) over the whole test suite:
 *   - `__key__` descending: a partition's last timestamp, and the last one below a given one;
 *   - `applied`, `ts`: a group's unapplied timestamps in a committed range.
 * The other queries (ancestor with an equality on `applied` and key order or a key range) are
 * served by the built-in indexes.
 */
export function datastoreIndexYaml(kindPrefix = 'checkpointkit'): string {
  const kind = kindNames(kindPrefix).GroupTimestamp;
  return `indexes:
- kind: ${kind}
  ancestor: yes
  properties:
  - name: __key__
    direction: desc
- kind: ${kind}
  ancestor: yes
  properties:
  - name: applied
  - name: ts
`;
}

/**
 * An order-preserving key name for a user string whose order queries rely on (uniquifiers). The
 * contract orders by UTF-8 bytes; production Datastore compares key names that way, but the
 * emulator compares UTF-16 code units (it puts U+1F600 before U+FF5E). So the UTF-8 bytes are
 * written six bits a character over a 64-character ASCII alphabet in ascending order: both
 * comparisons agree on ASCII, the byte order is kept, distinct byte lengths give distinct
 * lengths (injective), and 1,024 bytes become 1,366 characters, inside the 1,500-byte limit.
 */
const SORTABLE_ALPHABET = '-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function sortableNameOf(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = ':';
  let bits = 0;
  let pending = 0;
  for (const byte of bytes) {
    pending = (pending << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += SORTABLE_ALPHABET[(pending >> bits) & 63];
    }
    pending &= (1 << bits) - 1;
  }
  if (bits > 0) out += SORTABLE_ALPHABET[(pending << (6 - bits)) & 63];
  return out;
}

export function userStringOfSortableName(keyName: string): string {
  const bytes: number[] = [];
  let bits = 0;
  let pending = 0;
  for (const char of keyName.slice(1)) {
    pending = (pending << 6) | SORTABLE_ALPHABET.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((pending >> bits) & 255);
      pending &= (1 << bits) - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The name of a checkpoint scope, the entity group of one (project, processId, resourceId):
 * `:<project>:<processId>:<resourceId>`. project and processId cannot hold ':' (their patterns),
 * so the first two separators are unambiguous and the name is injective; at most 1,131 bytes.
 * One group per scope keeps writes to different resources apart (the emulator, like legacy
 * Datastore, aborts concurrent transactions on one entity group) while the uniquifiers of a
 * scope stay one ancestor query.
 */
export function scopeNameOf(project: string, processId: string, resourceId: string): string {
  return `:${project}:${processId}:${resourceId}`;
}

export function scopeOfName(name: string): {
  project: string;
  processId: string;
  resourceId: string;
} {
  const first = name.indexOf(':', 1);
  const second = name.indexOf(':', first + 1);
  return {
    project: name.slice(1, first),
    processId: name.slice(first + 1, second),
    resourceId: name.slice(second + 1),
  };
}
