/**
 * --backend datastore: checkpointkit's entities and the demo's own `DemoEffect` entities in the
 * namespace `ckdemo`, each order's effect saved through the runOnce `Tx` (a Datastore
 * transaction) so that it commits with the order's checkpoint or not at all.
 *
 * Which Datastore: `--datastore-project P` (a real project, with the application default
 * credentials), else the emulator in DATASTORE_EMULATOR_HOST, else an emulator the demo starts
 * (./local-service.ts).
 */
import { createDatastoreAdapter, type DatastoreTx } from '@checkpointkit/datastore';
import { Datastore, type Key } from '@google-cloud/datastore';
import { type OrderEvent, type ShopTotal, totalsByShop } from '../stream.js';
import type { DemoBackend } from './backend.js';
import { type LocalService, localService } from './local-service.js';
import type { BackendOptions } from './open.js';

const NAMESPACE = 'ckdemo';
const EFFECT_KIND = 'DemoEffect';
/** The production limits of one lookup and one commit. */
const KEYS_PER_LOOKUP = 1000;
const MUTATIONS_PER_COMMIT = 500;

export async function openDatastoreBackend(
  options: BackendOptions,
): Promise<DemoBackend<DatastoreTx>> {
  let service: LocalService | null = null;
  let datastore: Datastore;
  if (options.datastoreProject !== undefined) {
    datastore = new Datastore({ projectId: options.datastoreProject });
  } else {
    let host = process.env.DATASTORE_EMULATOR_HOST;
    if (host) options.log(`using the Datastore emulator at ${host}`);
    else {
      service = await localService('datastore', options.dataDir, options.log);
      host = service.address;
    }
    // An emulator needs no credentials: never look for a metadata server beyond loopback.
    process.env.METADATA_SERVER_DETECTION ??= 'none';
    datastore = new Datastore({
      projectId: process.env.DATASTORE_PROJECT_ID ?? 'checkpointkit-demo',
      apiEndpoint: host,
    });
  }
  const effectKey = (orderId: string): Key =>
    datastore.key({ namespace: NAMESPACE, path: [EFFECT_KIND, orderId] });
  try {
    if (options.reset) await deleteNamespace(datastore);
    const adapter = createDatastoreAdapter(datastore, { namespace: NAMESPACE });
    await adapter.setup();
    return {
      name: 'datastore',
      adapter,
      recordEffect(tx, event) {
        tx.save({
          key: effectKey(event.id),
          data: { shop: event.shop, amountCents: event.amountCents },
        });
      },
      async effectTotals(orders): Promise<Map<string, ShopTotal>> {
        const applied: OrderEvent[] = [];
        for (let i = 0; i < orders.length; i += KEYS_PER_LOOKUP) {
          const batch = orders.slice(i, i + KEYS_PER_LOOKUP);
          const byId = new Map(batch.map((order) => [order.id, order]));
          const [entities] = await datastore.get(batch.map((order) => effectKey(order.id)));
          for (const entity of entities as { shop: string; amountCents: number }[]) {
            const id = (entity as unknown as Record<symbol, Key>)[datastore.KEY]?.name ?? '';
            applied.push({
              ...(byId.get(id) as OrderEvent),
              shop: entity.shop,
              amountCents: entity.amountCents,
            });
          }
        }
        return totalsByShop(applied);
      },
      close: async () => {
        await adapter.close();
        await service?.stop();
      },
    };
  } catch (error) {
    await service?.stop();
    throw error;
  }
}

/** --reset: every entity of the demo's namespace (a kindless keys-only query, batched deletes). */
async function deleteNamespace(datastore: Datastore): Promise<void> {
  const [entities] = await datastore.runQuery(
    datastore.createQuery(NAMESPACE, []).select('__key__'),
  );
  const keys = entities.map((entity) => entity[datastore.KEY] as Key);
  for (let i = 0; i < keys.length; i += MUTATIONS_PER_COMMIT) {
    await datastore.delete(keys.slice(i, i + MUTATIONS_PER_COMMIT));
  }
}
