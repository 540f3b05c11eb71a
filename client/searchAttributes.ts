// The custom search attributes the Web UI filters sync runs by. The dev server registers them at
// start; on an existing cluster they are checked, and the exact commands to add them are printed.
import type { Client } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

const CLI_TYPES: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };

export async function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {}))).map((key) => key.name);
}

export function registerCommands(missing: string[], namespace: string): string[] {
  return SEARCH_ATTRIBUTES.filter((key) => missing.includes(key.name)).map(
    (key) => `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${CLI_TYPES[key.type]}`,
  );
}

export class MissingSearchAttributesError extends Error {
  constructor(missing: string[], namespace: string) {
    super(
      `namespace "${namespace}" lacks the search attributes ${missing.join(', ')}; register them with:\n  ` +
        registerCommands(missing, namespace).join('\n  '),
    );
    this.name = 'MissingSearchAttributesError';
  }
}

export async function checkSearchAttributes(client: Client, namespace: string): Promise<void> {
  const missing = await missingSearchAttributes(client, namespace);
  if (missing.length > 0) throw new MissingSearchAttributesError(missing, namespace);
}
