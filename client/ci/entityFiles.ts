// Entity files as CI jobs and GitOps repositories keep them (Port's "custom GitOps" guide: an
// entity.json next to the code): one entity or a list of them, JSON or YAML, in Port's entity shape.
// Every file is read and checked before anything is written: a bad file names itself, the entity and
// the field, and the command writes nothing.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { blueprintIdentifier, entityBodySchema, isObject, type EntityBody } from '../../activities/port/schemas';

export interface EntityFileEntry {
  /** Where it came from, for messages: `services/api/entity.json`, or `entities.yaml[2]` in a list. */
  source: string;
  blueprint: string;
  entity: EntityBody;
}

export class EntityFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid entity files:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EntityFileError';
  }
}

/** An entity may name its blueprint (as Port's exports and port.yml files do); the command's --blueprint covers the rest. */
const fileEntitySchema = entityBodySchema.extend({
  blueprint: blueprintIdentifier.optional(),
  properties: entityBodySchema.shape.properties.default({}),
  relations: entityBodySchema.shape.relations.default({}),
});

/**
 * Reads `paths` (`-` is standard input) and returns every entity in order, or throws EntityFileError
 * with every problem found in all of them.
 */
export function readEntityFiles(paths: string[], defaultBlueprint: string | undefined, readText: (path: string) => string = readPath): EntityFileEntry[] {
  const entries: EntityFileEntry[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    const name = path === '-' ? 'stdin' : path;
    let doc: unknown;
    try {
      // YAML is a superset of JSON: one parser reads both, and its errors give line and column.
      doc = parse(readText(path));
    } catch (err) {
      problems.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    const list = Array.isArray(doc);
    const items: unknown[] = Array.isArray(doc) ? (doc as unknown[]) : [doc];
    if (items.length === 0) problems.push(`${name}: no entity in the file`);
    items.forEach((item, i) => {
      const source = list ? `${name}[${i}]` : name;
      const parsed = fileEntitySchema.safeParse(withoutPortMeta(item));
      if (!parsed.success) {
        const id = typeof (item as { identifier?: unknown } | null)?.identifier === 'string' ? ` (entity "${(item as { identifier: string }).identifier}")` : '';
        for (const issue of parsed.error.issues) problems.push(`${source}${id}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
        return;
      }
      const { blueprint = defaultBlueprint, ...entity } = parsed.data;
      if (!blueprint) {
        problems.push(`${source} (entity "${entity.identifier}"): no blueprint: give --blueprint or a "blueprint" field`);
        return;
      }
      entries.push({ source, blueprint, entity });
    });
  }
  const seen = new Map<string, string>();
  for (const { source, blueprint, entity } of entries) {
    const key = `${blueprint}/${entity.identifier}`;
    const first = seen.get(key);
    if (first) problems.push(`${source}: entity "${entity.identifier}" of blueprint "${blueprint}" is also in ${first}`);
    else seen.set(key, source);
  }
  if (problems.length > 0) throw new EntityFileError(problems);
  return entries;
}

/** What Port adds when it answers (`entity get`): left out, so an answer can be written back as a file. */
const PORT_META = ['createdAt', 'createdBy', 'updatedAt', 'updatedBy'];

function withoutPortMeta(item: unknown): unknown {
  if (!isObject(item)) return item;
  return Object.fromEntries(Object.entries(item).filter(([k]) => !PORT_META.includes(k)));
}

function readPath(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
}

