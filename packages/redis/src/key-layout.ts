/**
 * Every Redis key the adapter uses, built here and nowhere else (the table is in README.md, "Key
 * layout"). A key is `<prefix>:{<tag>}:<rest>`: the hash tag names one entity — a checkpointed
 * resource, an operation, a group, a session namespace, a dataset or a node — so that every key
 * one atomic step touches lies in one Cluster slot, while different entities spread over the
 * Cluster. User strings go through core's encodeKey/encodeKeyPart, which escape `:`, `%`, `{` and
 * `}`: keys stay injective and a user string can never end or move the hash tag.
 */
import { decodeKey, decodeKeyPart, encodeKey, encodeKeyPart } from '@checkpointkit/core';

/** What a transaction's colocated user keys hang off: see RedisTx.key and colocatedKey. */
export type ColocationAnchor =
  | { readonly checkpoint: { readonly project: string; readonly resourceId: string } }
  | { readonly dataset: string }
  | { readonly node: string }
  | { readonly transaction: true };

/** The hash tag of a bare adapter.transaction that touches no checkpoint. */
export const BARE_TRANSACTION_TAG = 'tx';

export interface KeyLayout {
  readonly prefix: string;
  /** `<prefix>:{<tag>}:<rest…>` */
  key(tag: string, ...rest: string[]): string;
  /** The tag of a key built by `key`, or null for a key of another layout or prefix. */
  tagOf(key: string): string | null;

  checkpointTag(project: string, resourceId: string): string;
  /** HASH uniquifier → record (see checkpoint-record.ts), one per (project, resourceId, processId). */
  checkpointRecords(project: string, resourceId: string, processId: string): string;
  /** ZSET of the same uniquifiers, score 0, for byte-wise paging (ZRANGE BYLEX). */
  checkpointIndex(project: string, resourceId: string, processId: string): string;
  /** SCAN pattern for every checkpointRecords key. */
  readonly checkpointRecordsPattern: string;
  parseCheckpointRecords(
    key: string,
  ): { project: string; resourceId: string; processId: string } | null;

  operationTag(name: string): string;
  /** HASH: seq, token, lease-owner, lease-token, lease-expiry. */
  operationMeta(name: string): string;
  /** ZSET score = seq, member = 16-digit id. Exists exactly while the operation has checkpoints. */
  operationIds(name: string): string;
  /** `…:checkpoint:` — the script appends the 16-digit id. HASH label, data, created-ms. */
  operationCheckpointPrefix(name: string): string;
  readonly operationIdsPattern: string;

  groupTag(group: string): string;
  /** HASH partition → partition number (1, 2, …; partitions are never removed). */
  groupPartitions(group: string): string;
  /** STRING incremented by every write that can change the window (summaries check it). */
  groupVersion(group: string): string;
  /** `…:` — scripts append `all:<n>`, `applied:<n>`, `unapplied:<n>` (ZSETs of sort keys). */
  groupBase(group: string): string;
  groupTimestamps(group: string, set: 'all' | 'applied' | 'unapplied', partition: number): string;
  /** Pub/sub channel: advance, commit and ensure publish on it. */
  groupChannel(group: string): string;
  readonly groupUnappliedPattern: string;

  sessionKvTag(namespace: string): string;
  /** HASH key → bytes: one session KV namespace. */
  sessionKv(namespace: string): string;
  datasetTag(dataset: string): string;
  /** HASH key → bytes. */
  datasetRows(dataset: string): string;
  /** HASH key, id, nonce: the (lastKey, lastId) marker. */
  datasetMarker(dataset: string): string;

  nodeTag(id: string): string;
  /** HASH generation, shards (64-hex hashes, concatenated), byte-length, sha256, nonce. */
  nodeRoot(id: string): string;
  /** `…:shard:` — followed by the shard's sha256; STRING bytes. */
  nodeShardPrefix(id: string): string;
  nodeShard(id: string, hash: string): string;
  /** ZSET score = stamp ms, member = shard hash: every shard of the id. */
  nodeStamps(id: string): string;
  readonly nodeRootPattern: string;

  /**
   * STRING: the journal entry of one write (journal.ts) under the tag it writes: its recorded
   * reply, or the abandoned mark. Expires; never read by anything but the write's own resends.
   */
  journalEntry(tag: string, nonce: string): string;

  anchorTag(anchor: ColocationAnchor): string;
  /** A user key under `tag`: `<prefix>:{<tag>}:user:<parts…>`. */
  userKey(tag: string, parts: readonly string[]): string;
  /** SCAN pattern for every key of this prefix. */
  readonly everything: string;
}

/** Backslash-escapes the characters SCAN's MATCH treats as glob syntax. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);
}

export function keyLayout(prefix: string): KeyLayout {
  const key = (tag: string, ...rest: string[]): string => `${prefix}:{${tag}}:${rest.join(':')}`;
  const opening = `${prefix}:{`;
  const tagOf = (k: string): string | null => {
    if (!k.startsWith(opening)) return null;
    const end = k.indexOf('}', opening.length);
    return end < 0 ? null : k.slice(opening.length, end);
  };
  const restOf = (k: string, tag: string): string => k.slice(opening.length + tag.length + 2);

  const checkpointTag = (project: string, resourceId: string): string =>
    `c:${encodeKey([project, resourceId])}`;
  const operationTag = (name: string): string => `o:${encodeKeyPart(name)}`;
  const groupTag = (group: string): string => `g:${encodeKeyPart(group)}`;
  const datasetTag = (dataset: string): string => `d:${encodeKeyPart(dataset)}`;
  const nodeTag = (id: string): string => `n:${encodeKeyPart(id)}`;
  const sessionKvTag = (namespace: string): string => `s:${encodeKeyPart(namespace)}`;

  return {
    prefix,
    key,
    tagOf,

    checkpointTag,
    checkpointRecords: (project, resourceId, processId) =>
      key(checkpointTag(project, resourceId), 'records', encodeKeyPart(processId)),
    checkpointIndex: (project, resourceId, processId) =>
      key(checkpointTag(project, resourceId), 'uniquifiers', encodeKeyPart(processId)),
    checkpointRecordsPattern: `${prefix}:{c:*}:records:*`,
    parseCheckpointRecords(k) {
      const tag = tagOf(k);
      if (tag === null) return null;
      const [kind, project, resourceId, ...extra] = decodeKey(tag);
      const rest = restOf(k, tag).split(':');
      if (kind !== 'c' || extra.length > 0 || rest.length !== 2 || rest[0] !== 'records')
        return null;
      return {
        project: project as string,
        resourceId: resourceId as string,
        processId: decodeKeyPart(rest[1] as string),
      };
    },

    operationTag,
    operationMeta: (name) => key(operationTag(name), 'meta'),
    operationIds: (name) => key(operationTag(name), 'ids'),
    operationCheckpointPrefix: (name) => key(operationTag(name), 'checkpoint', ''),
    operationIdsPattern: `${prefix}:{o:*}:ids`,

    groupTag,
    groupPartitions: (group) => key(groupTag(group), 'partitions'),
    groupVersion: (group) => key(groupTag(group), 'version'),
    groupBase: (group) => key(groupTag(group), ''),
    groupTimestamps: (group, set, partition) => key(groupTag(group), set, String(partition)),
    groupChannel: (group) => key(groupTag(group), 'changes'),
    groupUnappliedPattern: `${prefix}:{g:*}:unapplied:*`,

    sessionKvTag,
    sessionKv: (namespace) => key(sessionKvTag(namespace), 'kv'),
    datasetTag,
    datasetRows: (dataset) => key(datasetTag(dataset), 'rows'),
    datasetMarker: (dataset) => key(datasetTag(dataset), 'marker'),

    nodeTag,
    nodeRoot: (id) => key(nodeTag(id), 'root'),
    nodeShardPrefix: (id) => key(nodeTag(id), 'shard', ''),
    nodeShard: (id, hash) => key(nodeTag(id), 'shard', hash),
    nodeStamps: (id) => key(nodeTag(id), 'stamps'),
    nodeRootPattern: `${prefix}:{n:*}:root`,

    journalEntry: (tag, nonce) => key(tag, 'w', nonce),

    anchorTag(anchor) {
      if ('checkpoint' in anchor)
        return checkpointTag(anchor.checkpoint.project, anchor.checkpoint.resourceId);
      if ('dataset' in anchor) return datasetTag(anchor.dataset);
      if ('node' in anchor) return nodeTag(anchor.node);
      return BARE_TRANSACTION_TAG;
    },
    userKey: (tag, parts) => key(tag, 'user', encodeKey(parts)),
    everything: `${prefix}:*`,
  };
}

/** The decoded name inside a one-part tag such as `o:<name>`, if `key` has that tag kind. */
export function nameInTag(layout: KeyLayout, key: string, kind: string): string | null {
  const tag = layout.tagOf(key);
  if (tag === null || !tag.startsWith(`${kind}:`)) return null;
  const parts = decodeKey(tag.slice(kind.length + 1));
  return parts.length === 1 ? (parts[0] as string) : null;
}
