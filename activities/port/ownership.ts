// Which Port entities this integration instance owns. Port records the User-Agent of every request
// that writes an entity in the undocumented, searchable `$datasource` meta-property (Ocean and the k8s
// exporter rely on it the same way). We send `port-sync/<integrationId>/<version>` and own what
// carries `port-sync/<integrationId>/`. The trailing `/` is the delimiter: integration `hum` must not
// own what `humanitec` wrote. docs/ownership.md has the full reasoning and the `adoptExisting` rule.
import { createRequire } from 'node:module';
import type { SearchRule } from './schemas';

const PRODUCT = 'port-sync';
/** This build's version (package.json), the last part of every User-Agent we send. */
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Writers that are integrations (ours or Port's): their entities are never adopted. */
const INTEGRATION_MARKERS = [`${PRODUCT}/`, 'port-ocean/', 'port-k8s-exporter'];

export function userAgent(integrationId: string, version = VERSION): string {
  return `${ownerMark(integrationId)}${version}`;
}

/** The part of `$datasource` that marks this instance's writes. */
export function ownerMark(integrationId: string): string {
  if (!integrationId || integrationId.includes('/')) throw new Error(`integration id "${integrationId}" cannot mark ownership (empty or contains "/")`);
  return `${PRODUCT}/${integrationId}/`;
}

/**
 * The search rule for what this instance owns (`mark` from `ownerMark`). With `adoptExisting`, also entities no integration
 * wrote (hand-made in the UI, curl or the old seed scripts): from then on they are this instance's.
 */
export function ownedRule(mark: string, adoptExisting: boolean): SearchRule {
  const ours: SearchRule = { property: '$datasource', operator: 'contains', value: mark };
  if (!adoptExisting) return ours;
  const unowned: SearchRule = {
    combinator: 'and',
    rules: INTEGRATION_MARKERS.map((marker) => ({ property: '$datasource', operator: 'doesNotContains', value: marker })),
  };
  return { combinator: 'or', rules: [ours, unowned] };
}
