// The demo catalog as a sync target: the minimal second target that keeps the engine from being
// Port-shaped. An entity is an item {id, kind = blueprint, name = title, version = properties.version}.
import type { Entity, OwnedEntity } from '../engine/entity';
import type { Target } from '../engine/target';
import type { DemoClient, DemoItem } from './client';

const toEntity = (item: DemoItem): Entity => ({
  identifier: item.id,
  blueprint: item.kind,
  title: item.name,
  properties: { version: item.version },
  relations: {},
});

export function createDemoTarget(client: DemoClient): Target {
  return {
    api: 'demo',
    maxBatch: 100,
    async getMany(blueprint, identifiers, signal) {
      const wanted = new Set(identifiers);
      const items = await client.catalog(blueprint, false, signal);
      return new Map(items.filter((i) => wanted.has(i.id)).map((i) => [i.id, toEntity(i)]));
    },
    async upsert(blueprint, entities, { signal }) {
      const items = entities.map((e) => ({ id: e.identifier, kind: blueprint, name: e.title ?? e.identifier, version: Number(e.properties.version ?? 0) }));
      const result = await client.bulkUpsert(blueprint, items, signal);
      const failed = result.errors.map((e) => ({ identifier: e.id, message: e.message }));
      const refused = new Set(failed.map((f) => f.identifier));
      return { written: items.map((i) => i.id).filter((id) => !refused.has(id)), failed };
    },
    async *listOwned(blueprint, signal) {
      const items = await client.catalog(blueprint, true, signal);
      yield items.map((i): OwnedEntity => ({ identifier: i.id, blueprint, updatedAt: i.updatedAt, relations: {} }));
    },
    async delete(blueprint, identifiers, { signal }) {
      for (const id of identifiers) await client.remove(blueprint, id, signal);
      return { deleted: identifiers, failed: [] };
    },
  };
}
