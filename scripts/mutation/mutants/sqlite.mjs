// biome-ignore-all lint/suspicious/noTemplateCurlyInString: search texts quote TypeScript source, template literals included
/**
 * Author mistakes in the SQLite adapter (packages/sqlite/src), each a search/replace on one file
 * (`count`: how many times the search text must occur; every occurrence is replaced). `rule`
 * names the contract rule of docs/contract.md the mistake breaks, by a case id. The twin process
 * of general/processes/… runs the built, unmutated package: the mutant meets a correct peer.
 */
const checkpoints = 'src/checkpoints.ts';
const connection = 'src/connection.ts';
const operations = 'src/operations.ts';
const sessions = 'src/sessions.ts';
const nodes = 'src/nodes.ts';
const groups = 'src/groups.ts';
const translate = 'src/translate-error.ts';

export default {
  adapter: 'sqlite',
  package: 'packages/sqlite',
  tests: ['test/file.conformance.test.ts', 'test/memory-database.conformance.test.ts'],
  mutants: [
    // §1 run-once checkpoints
    {
      id: 'sqlite/list-expired-on-later-pages',
      file: checkpoints,
      mistake: 'the next-page statement forgets the expiry filter',
      rule: 'checkpoints/uniquifiers/later-pages-skip-expired',
      search: 'AND uniquifier > @after AND claim_token IS NULL AND expiry_ms > @nowMs',
      replace: 'AND uniquifier > @after AND claim_token IS NULL',
    },
    {
      id: 'sqlite/list-claims-on-later-pages',
      file: checkpoints,
      mistake: 'the next-page statement forgets the claim filter',
      rule: 'checkpoints/uniquifiers/later-pages-skip-expired',
      search: 'AND uniquifier > @after AND claim_token IS NULL AND expiry_ms > @nowMs',
      replace: 'AND uniquifier > @after AND expiry_ms > @nowMs',
    },
    {
      id: 'sqlite/list-cursor-inclusive',
      file: checkpoints,
      mistake: 'the page cursor is inclusive (>=): each page repeats the last uniquifier',
      rule: 'checkpoints/uniquifiers/list-pages',
      search: 'AND uniquifier > @after',
      replace: 'AND uniquifier >= @after',
    },
    {
      id: 'sqlite/list-order-by-creation-time',
      file: checkpoints,
      mistake: 'listing orders by creation time, ties by key',
      rule: 'checkpoints/uniquifiers/order-by-key-not-time',
      count: 2,
      search: 'ORDER BY uniquifier LIMIT @limit',
      replace: 'ORDER BY creation_ms, uniquifier LIMIT @limit',
    },
    {
      id: 'sqlite/list-order-nocase',
      file: checkpoints,
      mistake: 'listing orders case-insensitively',
      rule: 'checkpoints/uniquifiers/byte-order',
      count: 2,
      search: 'ORDER BY uniquifier LIMIT @limit',
      replace: 'ORDER BY uniquifier COLLATE NOCASE LIMIT @limit',
    },
    {
      id: 'sqlite/insert-check-then-insert',
      file: checkpoints,
      mistake: 'insertUnlessLive reads outside the write transaction, then inserts',
      rule: 'checkpoints/insert/concurrent-one-winner',
      search:
        "insertUnlessLive: (record, nowMs) =>\n      connection.write('checkpoints.insert', (tx) => insertUnlessLiveIn(tx, record, nowMs)),",
      replace:
        "insertUnlessLive: async (record, nowMs) => {\n      const existing = await connection.read('checkpoints.read', (db) => readIn(db, record.key));\n      if (existing && isLive(existing, nowMs)) return existing;\n      return connection.write('checkpoints.insert', (tx) => (writeIn(tx, record, existing), null));\n    },",
    },
    {
      id: 'sqlite/insert-ignores-expiry',
      file: checkpoints,
      mistake: 'an expired record still blocks an insert',
      rule: 'checkpoints/expiry/reinsert-after-expiry',
      search: 'if (existing && isLive(existing, nowMs)) return existing;',
      replace: 'if (existing) return existing;',
    },
    {
      id: 'sqlite/claim-replaced-without-token',
      file: checkpoints,
      mistake: "completing or renewing a claim does not check that it is the caller's",
      rule: 'checkpoints/claim/lease-expiry-fences-old-token',
      search: 'claim_token = @claimToken\n      WHERE ${KEY_MATCH} AND claim_token = @token',
      replace: 'claim_token = @claimToken\n      WHERE ${KEY_MATCH} AND claim_token IS NOT NULL',
    },
    {
      id: 'sqlite/run-once-writes-after-end',
      file: checkpoints,
      mistake: "runOnce writes its checkpoint even when the user's work ended the transaction",
      rule: 'general/transaction/ended-by-callback-refused',
      search: 'requireStillInTransaction(tx);\n          writeIn(tx, written, replacing);',
      replace: 'writeIn(tx, written, replacing);',
    },
    {
      id: 'sqlite/purge-boundary',
      file: checkpoints,
      mistake: 'purge keeps a record that expires exactly now (expiry_ms < now, not <=)',
      rule: 'checkpoints/purge/expired-only',
      search: 'purge: `DELETE FROM ${t.checkpoints} WHERE expiry_ms <= @nowMs`',
      replace: 'purge: `DELETE FROM ${t.checkpoints} WHERE expiry_ms < @nowMs`',
    },
    {
      id: 'sqlite/result-row-kept-on-release',
      file: checkpoints,
      mistake: 'releasing a claim leaves its results row behind',
      rule: 'checkpoints/results/records-without-fields',
      search: 'else prepared(tx, sql.deleteResult).run(key);',
      replace: '',
    },
    // the connection: transactions, locks, busy errors
    {
      id: 'sqlite/begin-deferred',
      file: connection,
      mistake: 'write transactions start with a plain BEGIN, which takes no lock',
      rule: 'general/processes/write-waits-for-lock',
      search: "this.inTransaction('BEGIN IMMEDIATE', work)",
      replace: "this.inTransaction('BEGIN', work)",
    },
    {
      id: 'sqlite/commit-only-if-open',
      file: connection,
      mistake: 'COMMIT is skipped, and success reported, when the callback ended the transaction',
      rule: 'general/transaction/ended-by-callback-refused',
      search: "requireStillInTransaction(db);\n      prepared(db, 'COMMIT').run();",
      replace: "if (db.inTransaction) prepared(db, 'COMMIT').run();",
    },
    {
      id: 'sqlite/read-inside-open-transaction',
      file: connection,
      mistake: 'reads do not wait for a transaction open on the shared connection',
      rule: 'checkpoints/run-once/atomic-with-user-writes',
      search: 'if (this.gate.idle || holds(this.gate)) return this.attempt(work);',
      replace: 'return this.attempt(work);',
    },
    {
      id: 'sqlite/busy-not-retried',
      file: translate,
      mistake: 'SQLITE_BUSY is reported as a BackendError instead of an aborted transaction',
      rule: 'general/processes/write-waits-for-lock',
      search: "  'SQLITE_BUSY',\n",
      replace: '',
    },
    // §2 operation checkpoints
    {
      id: 'sqlite/lease-token-from-current-lease',
      file: operations,
      mistake: "acquire numbers the token after the current lease's, which a release cleared",
      rule: 'operations/lease/token-not-reused-after-release',
      search: 'const token = (row?.last_token ?? 0) + 1;',
      replace: 'const token = (row?.lease_token ?? 0) + 1;',
    },
    {
      id: 'sqlite/latest-by-time',
      file: operations,
      mistake: 'latest orders by created_ms (ties: the first of a millisecond)',
      rule: 'operations/latest/same-millisecond',
      search: '      WHERE name = @name ORDER BY seq DESC LIMIT 1`,\n    load:',
      replace: '      WHERE name = @name ORDER BY created_ms DESC LIMIT 1`,\n    load:',
    },
    {
      id: 'sqlite/append-without-fence',
      file: operations,
      mistake: 'append forgets the fence check',
      rule: 'operations/lease/fences-other-handles',
      search:
        "connection.write('operations.checkpoint', (tx) => {\n        fenced(tx, name, fence, nowMs);\n",
      replace: "connection.write('operations.checkpoint', (tx) => {\n",
    },
    {
      id: 'sqlite/acquire-expiry-inclusive',
      file: operations,
      mistake: 'a lease expiring exactly now still counts as held',
      rule: 'operations/lease/takeover-fences-old-holder',
      search: 'if (current && current.expiryMs > nowMs) return { held: current };',
      replace: 'if (current && current.expiryMs >= nowMs) return { held: current };',
    },
    {
      id: 'sqlite/renew-any-token',
      file: operations,
      mistake: 'renewLease extends the lease whoever asks',
      rule: 'operations/lease/takeover-fences-old-holder',
      search: 'SET lease_expiry_ms = @expiryMs\n      WHERE name = @name AND lease_token = @token',
      replace:
        'SET lease_expiry_ms = @expiryMs\n      WHERE name = @name AND lease_token IS NOT NULL',
    },
    {
      id: 'sqlite/release-any-token',
      file: operations,
      mistake: "a stale holder's release ends the current lease",
      rule: 'operations/lease/takeover-fences-old-holder',
      search:
        'SET lease_owner = NULL, lease_token = NULL, lease_expiry_ms = NULL\n      WHERE name = @name AND lease_token = @token',
      replace:
        'SET lease_owner = NULL, lease_token = NULL, lease_expiry_ms = NULL\n      WHERE name = @name AND lease_token IS NOT NULL',
    },
    {
      id: 'sqlite/compact-deletes-new',
      file: operations,
      mistake: 'compact deletes up to and including the new checkpoint',
      rule: 'operations/compact/replaces-all-with-latest',
      search: 'AND seq < @seq',
      replace: 'AND seq <= @seq',
    },
    {
      id: 'sqlite/clear-resets-counter',
      file: operations,
      mistake: 'clear deletes the operation row too, so ids start again at 1',
      rule: 'operations/ids/not-reused-after-clear',
      search: 'prepared(tx, sql.deleteAll).run({ name });\n',
      replace:
        'prepared(tx, sql.deleteAll).run({ name });\n        tx.prepare(`DELETE FROM ${t.operations} WHERE name = ? AND lease_token IS NULL`).run(name);\n',
    },
    // §4 commit sessions
    {
      id: 'sqlite/marker-set-once',
      file: sessions,
      mistake: 'the dataset marker is inserted once and never moved',
      rule: 'sessions/dataset/marker-follows-latest-commit',
      search:
        'ON CONFLICT (dataset) DO UPDATE SET last_key = excluded.last_key, last_id = excluded.last_id',
      replace: 'ON CONFLICT (dataset) DO NOTHING',
    },
    {
      id: 'sqlite/dataset-keys-nocase',
      file: sessions,
      mistake: 'dataset keys() orders case-insensitively',
      rule: 'sessions/dataset/keys-byte-order',
      search: 'WHERE dataset = @dataset ORDER BY key`',
      replace: 'WHERE dataset = @dataset ORDER BY key COLLATE NOCASE`',
    },
    {
      id: 'sqlite/dataset-delete-ignored',
      file: sessions,
      mistake: 'a deletion in a session is dropped at commit',
      rule: 'sessions/dataset/applies-at-commit',
      search: 'if (value === null) prepared(tx, sql.rowDelete).run({ dataset, key });',
      replace: 'if (value === null) continue;',
    },
    {
      id: 'sqlite/kv-set-keeps-old',
      file: sessions,
      mistake: 'kv.set of an existing key keeps the old value',
      rule: 'sessions/kv/roundtrip',
      search: 'ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value',
      replace: 'ON CONFLICT (namespace, key) DO NOTHING',
    },
    // §5 sharded node state
    {
      id: 'sqlite/head-without-where',
      file: nodes,
      mistake: "readRootHead's statement lost its WHERE: it reads the first root",
      rule: 'nodes/cache/head-of-requested-id',
      search: 'head: `SELECT generation, sha256 FROM ${t.nodeRoots} WHERE id = @id`,',
      replace: 'head: `SELECT generation, sha256 FROM ${t.nodeRoots} LIMIT 1`,',
    },
    {
      id: 'sqlite/create-root-upserts',
      file: nodes,
      mistake: 'creating a root overwrites an existing one (upsert, not insert-if-absent)',
      rule: 'nodes/create/race-one-winner',
      search: 'ON CONFLICT (id) DO NOTHING',
      replace:
        'ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, byte_length = excluded.byte_length, sha256 = excluded.sha256, shards = excluded.shards',
    },
    {
      id: 'sqlite/replace-root-unconditional',
      file: nodes,
      mistake: 'replacing a root does not check the expected generation',
      rule: 'nodes/run/no-lost-update-two-stores',
      search: 'WHERE id = @id AND generation = @expected',
      replace: 'WHERE id = @id AND generation >= 0',
    },
    {
      id: 'sqlite/clean-ignores-references',
      file: nodes,
      mistake: 'clean deletes old shards that the current root still references',
      rule: 'nodes/clean/orphans-after-grace',
      search: 'if (referenced.has(hash)) continue;',
      replace: '',
    },
    {
      id: 'sqlite/retired-not-restamped',
      file: nodes,
      mistake: 'a commit does not re-stamp the shards the new root dropped',
      rule: 'nodes/clean/retired-shards-kept-for-grace',
      search: 'for (const hash of retired) stamp.run({ id, hash, nowMs });',
      replace: 'void stamp;',
    },
    // §3 checkpoint groups
    {
      id: 'sqlite/commit-closed-range',
      file: groups,
      mistake: 'commit treats [min, max) as closed, applying max too',
      rule: 'groups/commit/half-open',
      search: 'AND (nanos, logical) < (@maxNanos, @maxLogical)',
      replace: 'AND (nanos, logical) <= (@maxNanos, @maxLogical)',
    },
    {
      id: 'sqlite/prune-unapplied',
      file: groups,
      mistake: 'prune deletes unapplied timestamps below the cutoff too',
      rule: 'groups/prune/never-unapplied',
      search: 'WHERE ${inPartition} AND applied = 1 AND (nanos, logical) < (@nanos, @logical)`',
      replace: 'WHERE ${inPartition} AND (nanos, logical) < (@nanos, @logical)`',
    },
    {
      id: 'sqlite/unresolved-includes-applied',
      file: groups,
      mistake: 'groups with only applied timestamps are listed as unresolved',
      rule: 'groups/scan/unresolved',
      search: 'WHERE applied = 0 AND group_name > @after',
      replace: 'WHERE group_name > @after',
    },
  ],
};
