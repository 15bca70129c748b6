// biome-ignore-all lint/suspicious/noTemplateCurlyInString: search texts quote TypeScript source, template literals included
/**
 * Author mistakes in the memory adapter (packages/core/src/memory), each a search/replace on one
 * file (`count`: how many times the search text must occur; every occurrence is replaced).
 * `rule` names the contract rule of docs/contract.md the mistake breaks, by a case id.
 */
const checkpoints = 'src/memory/checkpoints.ts';
const operations = 'src/memory/operations.ts';
const sessions = 'src/memory/sessions.ts';
const nodes = 'src/memory/nodes.ts';
const groups = 'src/memory/groups.ts';
const store = 'src/memory/memory-store.ts';

export default {
  adapter: 'memory',
  package: 'packages/core',
  tests: ['test/memory.conformance.test.ts'],
  mutants: [
    // §1 run-once checkpoints
    {
      id: 'memory/list-expired-on-later-pages',
      file: checkpoints,
      mistake: 'listing filters expired records on the first page only',
      rule: 'checkpoints/uniquifiers/later-pages-skip-expired',
      search: 'if (record.claim || !isLive(record, nowMs)) continue;',
      replace: 'if (record.claim || (page.after === null && !isLive(record, nowMs))) continue;',
    },
    {
      id: 'memory/list-claims-on-later-pages',
      file: checkpoints,
      mistake: 'listing leaves claims out of the first page only',
      rule: 'checkpoints/uniquifiers/later-pages-skip-expired',
      search: 'if (record.claim || !isLive(record, nowMs)) continue;',
      replace: 'if ((page.after === null && record.claim) || !isLive(record, nowMs)) continue;',
    },
    {
      id: 'memory/list-cursor-inclusive',
      file: checkpoints,
      mistake:
        'the page cursor is inclusive: each page repeats the last uniquifier of the one before',
      rule: 'checkpoints/uniquifiers/list-pages',
      search: 'compareUtf8(k.uniquifier, page.after) <= 0',
      replace: 'compareUtf8(k.uniquifier, page.after) < 0',
    },
    {
      id: 'memory/list-utf16-order',
      file: checkpoints,
      mistake: "listing sorts with JavaScript's default (UTF-16) order",
      rule: 'checkpoints/uniquifiers/byte-order',
      search: 'return found.sort(compareUtf8).slice(0, page.limit);',
      replace: 'return found.sort().slice(0, page.limit);',
    },
    {
      id: 'memory/list-order-by-creation-time',
      file: checkpoints,
      mistake: 'listing orders by creation time, ties by key',
      rule: 'checkpoints/uniquifiers/order-by-key-not-time',
      edits: [
        { search: 'const found: string[] = [];', replace: 'const found: CheckpointRecord[] = [];' },
        { search: 'found.push(k.uniquifier);', replace: 'found.push(record);' },
        {
          search: 'return found.sort(compareUtf8).slice(0, page.limit);',
          replace:
            'return found.sort((x, y) => x.creationMs - y.creationMs || compareUtf8(x.key.uniquifier, y.key.uniquifier)).slice(0, page.limit).map((r) => r.key.uniquifier);',
        },
      ],
    },
    {
      id: 'memory/list-in-write-order',
      file: checkpoints,
      mistake: 'listing returns records in the order they were written',
      rule: 'checkpoints/uniquifiers/order-by-key-not-time',
      search: 'return found.sort(compareUtf8).slice(0, page.limit);',
      replace: 'return found.slice(0, page.limit);',
    },
    {
      id: 'memory/insert-check-then-insert',
      file: checkpoints,
      mistake: 'insertUnlessLive checks outside the transaction, then inserts',
      rule: 'checkpoints/insert/concurrent-one-winner',
      search:
        'insertUnlessLive(record, nowMs) {\n      return store.transaction((rows) => insertUnlessLiveIn(rows, record, nowMs));',
      replace:
        'async insertUnlessLive(record, nowMs) {\n      const existing = await store.read((rows) => rows.get<CheckpointRecord>(TABLE, rowKey(record.key)));\n      if (existing && isLive(existing, nowMs)) return existing;\n      return store.transaction((rows) => (rows.put(TABLE, rowKey(record.key), record), null));',
    },
    {
      id: 'memory/insert-ignores-expiry',
      file: checkpoints,
      mistake: 'an expired record still blocks an insert',
      rule: 'checkpoints/expiry/reinsert-after-expiry',
      search: 'if (existing && isLive(existing, nowMs)) return existing;',
      replace: 'if (existing) return existing;',
    },
    {
      id: 'memory/insert-in-swallows-live',
      file: checkpoints,
      mistake: 'insertIn on a live key returns quietly instead of failing the transaction',
      rule: 'checkpoints/insert-in/live-fails-transaction',
      search: 'if (live) throw alreadyExists(live);',
      replace: 'if (live) return;',
    },
    {
      id: 'memory/claim-replaced-without-token',
      file: checkpoints,
      mistake: "replaceClaim checks that a claim exists, not that it is the caller's",
      rule: 'checkpoints/claim/lease-expiry-fences-old-token',
      search: 'if (existing?.claim?.token !== token) return false;',
      replace: 'if (!existing?.claim) return false;',
    },
    {
      id: 'memory/purge-boundary',
      file: checkpoints,
      mistake: 'purge keeps a record that expires exactly now (expiry < now, not <=)',
      rule: 'checkpoints/purge/expired-only',
      search: 'if (!isLive(record, nowMs)) {',
      replace: 'if (record.expiryMs < nowMs) {',
    },
    {
      id: 'memory/replace-all-keeps-old',
      file: checkpoints,
      mistake: 'setForTesting adds the records without removing the old ones',
      rule: 'checkpoints/testing/set-and-read-all',
      search: 'for (const [key] of rows.entries(TABLE)) rows.remove(TABLE, key);',
      replace: '',
    },
    // §2 operation checkpoints
    {
      id: 'memory/lease-token-from-current-lease',
      file: operations,
      mistake: "acquire numbers the token after the current lease's, which a release cleared",
      rule: 'operations/lease/token-not-reused-after-release',
      search: 'const lease = { owner, token: row.lastToken + 1, expiryMs };',
      replace: 'const lease = { owner, token: (row.lease?.token ?? 0) + 1, expiryMs };',
    },
    {
      id: 'memory/latest-by-time',
      file: operations,
      mistake: 'latest is the checkpoint with the latest createdMs (the first of a millisecond)',
      rule: 'operations/latest/same-millisecond',
      search: 'latest: (name) => read((rows) => checkpointsOf(rows, name).at(-1) ?? null),',
      replace:
        'latest: (name) =>\n      read((rows) => checkpointsOf(rows, name).sort((x, y) => y.createdMs - x.createdMs)[0] ?? null),',
    },
    {
      id: 'memory/ids-from-rescan',
      file: operations,
      mistake: 'the next id is the highest stored one + 1 (a rescan, not a persisted counter)',
      rule: 'operations/ids/not-reused-after-clear',
      search:
        'const seq = row.lastSeq + 1;\n        rows.put(OPERATIONS, name, { ...row, lastSeq: seq });\n        rows.put(CHECKPOINTS, checkpointKey(name, seq), { seq, ...entry });',
      replace:
        'const seq = (checkpointsOf(rows, name).at(-1)?.seq ?? 0) + 1;\n        rows.put(OPERATIONS, name, { ...row, lastSeq: seq });\n        rows.put(CHECKPOINTS, checkpointKey(name, seq), { seq, ...entry });',
    },
    {
      id: 'memory/append-without-fence',
      file: operations,
      mistake: 'append forgets the fence check',
      rule: 'operations/lease/fences-other-handles',
      search:
        'append(name, entry, fence, nowMs) {\n      return store.transaction((rows) => {\n        const row = fenced(rows, name, fence, nowMs);',
      replace:
        'append(name, entry, fence, nowMs) {\n      return store.transaction((rows) => {\n        const row = rows.get<OperationRow>(OPERATIONS, name) ?? EMPTY;',
    },
    {
      id: 'memory/acquire-expiry-inclusive',
      file: operations,
      mistake: 'a lease expiring exactly now still counts as held',
      rule: 'operations/lease/takeover-fences-old-holder',
      search: 'if (row.lease && row.lease.expiryMs > nowMs) return { held: row.lease };',
      replace: 'if (row.lease && row.lease.expiryMs >= nowMs) return { held: row.lease };',
    },
    {
      id: 'memory/compact-keeps-old',
      file: operations,
      mistake: 'compact adds the new checkpoint but deletes none of the old ones',
      rule: 'operations/compact/replaces-all-with-latest',
      search: 'for (const c of all) rows.remove(CHECKPOINTS, checkpointKey(name, c.seq));',
      replace: '',
    },
    {
      id: 'memory/compact-copies-oldest',
      file: operations,
      mistake: 'compact keeps the data of the oldest checkpoint, not the latest',
      rule: 'operations/compact/replaces-all-with-latest',
      search: 'data: latest.data,',
      replace: 'data: (all[0] as StoredOperationCheckpoint).data,',
    },
    {
      id: 'memory/renew-any-token',
      file: operations,
      mistake: 'renewLease extends the lease whoever asks',
      rule: 'operations/lease/takeover-fences-old-holder',
      search:
        'renewLease(name, token, expiryMs) {\n      return store.transaction((rows) => {\n        const row = rows.get<OperationRow>(OPERATIONS, name);\n        if (!row?.lease || row.lease.token !== token) return false;',
      replace:
        'renewLease(name, token, expiryMs) {\n      return store.transaction((rows) => {\n        const row = rows.get<OperationRow>(OPERATIONS, name);\n        if (!row?.lease) return false;',
    },
    {
      id: 'memory/complete-keeps-lease',
      file: operations,
      mistake: 'clear with endLease leaves the lease in place',
      rule: 'operations/lease/complete-ends-lease',
      search:
        'if (endLease && fence !== null) rows.put(OPERATIONS, name, { ...row, lease: null });',
      replace: '',
    },
    {
      id: 'memory/list-names-unsorted',
      file: operations,
      mistake: 'listNames returns the operations in storage order',
      rule: 'operations/list/names-byte-order',
      search: 'return [...names].sort(compareUtf8);',
      replace: 'return [...names];',
    },
    // §4 commit sessions
    {
      id: 'memory/marker-set-once',
      file: sessions,
      mistake: 'the dataset marker is written by the first commit only',
      rule: 'sessions/dataset/marker-follows-latest-commit',
      search:
        'tx.rows.put(MARKERS, dataset, { key: copyBytes(marker.key), id: copyBytes(marker.id) });',
      replace:
        'if (!stored) tx.rows.put(MARKERS, dataset, { key: copyBytes(marker.key), id: copyBytes(marker.id) });',
    },
    {
      id: 'memory/dataset-keys-utf16-order',
      file: sessions,
      mistake: "dataset keys() sorts with JavaScript's default (UTF-16) order",
      rule: 'sessions/dataset/keys-byte-order',
      search: '.map(([key]) => decodeKey(key)[1] as string)\n          .sort(compareUtf8);',
      replace: '.map(([key]) => decodeKey(key)[1] as string)\n          .sort();',
    },
    {
      id: 'memory/replay-checked-for-monotonic-only',
      file: sessions,
      mistake: 'a replayed session is recognised only on datasets with monotonic keys',
      rule: 'sessions/dataset/recovery-skips-applied',
      search: 'if (appliedId) return { applied: false as const, id: appliedId };',
      replace: 'if (appliedId && monotonicKeys) return { applied: false as const, id: appliedId };',
    },
    {
      id: 'memory/dataset-delete-ignored',
      file: sessions,
      mistake: 'a deletion in a session is dropped at commit',
      rule: 'sessions/dataset/applies-at-commit',
      search: 'if (change.value === null) tx.rows.remove(ROWS, key);',
      replace: 'if (change.value === null) continue;',
    },
    {
      id: 'memory/kv-key-concatenated',
      file: sessions,
      mistake: 'the session KV joins namespace and key with ":" (not injective)',
      rule: 'sessions/kv/namespaces-injective',
      count: 3,
      search: 'encodeKey([ns, key])',
      replace: '`${ns}:${key}`',
    },
    // §5 sharded node state
    {
      id: 'memory/head-of-prefix-match',
      file: nodes,
      mistake: 'readRootHead finds the root by prefix, so another id can answer',
      rule: 'nodes/cache/head-of-requested-id',
      search: 'const root = rows.get<NodeRoot>(ROOTS, id);\n        return root ? { generation',
      replace:
        'const root = rows.entries<NodeRoot>(ROOTS).find(([key]) => key.startsWith(id))?.[1];\n        return root ? { generation',
    },
    {
      id: 'memory/commit-checks-existence-only',
      file: nodes,
      mistake: 'commitRoot checks that a root exists, not its generation',
      rule: 'nodes/run/no-lost-update-two-stores',
      search: 'if ((current?.generation ?? null) !== expectedGeneration) {',
      replace: 'if ((current === undefined) !== (expectedGeneration === null)) {',
    },
    {
      id: 'memory/clean-ignores-stamp',
      file: nodes,
      mistake: 'clean deletes every unreferenced shard, whatever its stamp',
      rule: 'nodes/clean/retired-shards-kept-for-grace',
      search: 'if (referenced.has(decodeKey(key)[1] as string) || shard.stampMs >= stampBeforeMs)',
      replace: 'if (referenced.has(decodeKey(key)[1] as string))',
    },
    {
      id: 'memory/retired-not-restamped',
      file: nodes,
      mistake: 'a commit does not re-stamp the shards the new root dropped',
      rule: 'nodes/clean/retired-shards-kept-for-grace',
      search: 'if (shard) tx.rows.put(SHARDS, key, { ...shard, stampMs: nowMs });',
      replace: '',
    },
    {
      id: 'memory/list-ids-unsorted',
      file: nodes,
      mistake: 'listIds returns the ids in storage order',
      rule: 'nodes/list/ids',
      search: '.map(([id]) => id)\n          .sort(compareUtf8),',
      replace: '.map(([id]) => id),',
    },
    // §3 checkpoint groups
    {
      id: 'memory/advance-max-of-unapplied',
      file: groups,
      mistake: 'advance compares with the highest unapplied timestamp only',
      rule: 'groups/advance/regression-error',
      search: 'if (checkAdvance(partition, toHlc(max), ts))',
      replace: 'if (checkAdvance(partition, toHlc(row.unapplied.at(-1)), ts))',
    },
    {
      id: 'memory/commit-closed-range',
      file: groups,
      mistake: 'commit treats [min, max) as closed, applying max too',
      rule: 'groups/commit/half-open',
      count: 2,
      search: 'k >= min && k < max',
      replace: 'k >= min && k <= max',
    },
    {
      id: 'memory/prune-cutoff-inclusive',
      file: groups,
      mistake: 'prune deletes the cutoff timestamp itself',
      rule: 'groups/prune/keeps-window',
      search: 'const keep = lowerBound(row.applied, hlcSortKey(below));',
      replace: 'const keep = upperBound(row.applied, hlcSortKey(below));',
    },
    // the store itself
    {
      id: 'memory/commit-twice-quietly',
      file: store,
      mistake: 'a transaction that was already committed commits again without complaint',
      rule: 'general/transaction/ended-by-callback-refused',
      search: 'apply(): void {\n    this.assertOpen();',
      replace: 'apply(): void {',
    },
    {
      id: 'memory/no-lock',
      file: store,
      mistake: 'transactions do not wait for each other',
      rule: 'checkpoints/run-once/concurrent-exactly-once',
      search: 'const run = this.tail.then(() =>',
      replace: 'const run = Promise.resolve().then(() =>',
    },
  ],
};
