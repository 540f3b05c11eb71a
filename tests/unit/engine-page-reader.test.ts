// PageReader: pages in order, several at once only where the source names the later ones, never past
// the activity's share of pages, and a shifted source followed rather than trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from '../../activities/connector';
import { PageReader } from '../../activities/engine/pageReader';

/** An offset-paged source of `total` items, `size` per page, that can name pages ahead; it records what it served. */
function offsetSource(total: number, size: number, { names = true, delayMs = 5, failAt }: { names?: boolean; delayMs?: number; failAt?: string } = {}) {
  const served: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = async (cursor: string | undefined): Promise<Page> => {
    const offset = Number(cursor ?? 0);
    served.push(String(offset));
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, delayMs));
    inFlight -= 1;
    if (String(offset) === failAt) throw new Error(`page ${offset} failed`);
    const items = Array.from({ length: Math.min(size, total - offset) }, (_, i) => offset + i);
    const next = offset + size < total ? String(offset + size) : undefined;
    const ahead = names && next ? Array.from({ length: 8 }, (_, i) => offset + (i + 2) * size).filter((o) => o < total).map(String) : undefined;
    return { items, next, ...(ahead ? { ahead } : {}) };
  };
  return { fetch, served, maxInFlight: () => maxInFlight };
}

async function readAll(reader: PageReader, limit = Infinity): Promise<number[]> {
  const items: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await reader.read(cursor);
    items.push(...(page.items as number[]));
    cursor = page.next;
  } while (cursor && ++pages < limit);
  return items;
}

test('a source that names later pages is read several pages at once, in order, each page once', async () => {
  const source = offsetSource(200, 10);
  const items = await readAll(new PageReader(source.fetch, 4, 100));
  assert.deepEqual(items, Array.from({ length: 200 }, (_, i) => i));
  assert.equal(source.served.length, 20);
  assert.equal(new Set(source.served).size, 20);
  assert.equal(source.maxInFlight(), 4, 'the window, while the one read waits');
});

test('a bare cursor chain is read one page after the other', async () => {
  const source = offsetSource(50, 10, { names: false });
  assert.equal((await readAll(new PageReader(source.fetch, 4, 100))).length, 50);
  assert.equal(source.maxInFlight(), 1);
});

test('reading ahead stops at the pages the activity may still read', async () => {
  const source = offsetSource(1000, 10);
  const reader = new PageReader(source.fetch, 4, 6);
  const items = await readAll(reader, 6);
  await reader.settle();
  assert.equal(items.length, 60);
  assert.deepEqual(source.served, ['0', '10', '20', '30', '40', '50']);
});

test('a page read ahead is used only when the page before points to it; a shifted source is followed', async () => {
  // The page at 10 says the next starts at 25 (an item was removed meanwhile): the read of 20 goes unused.
  const base = offsetSource(100, 10);
  const fetch = async (cursor: string | undefined): Promise<Page> => {
    const page = await base.fetch(cursor);
    return cursor === '10' ? { ...page, next: '25', ahead: ['35', '45'] } : page;
  };
  const reader = new PageReader(fetch, 4, 100);
  const first = await reader.read(undefined);
  const second = await reader.read(first.next);
  const third = await reader.read(second.next);
  assert.equal(third.items[0], 25);
  await reader.settle();
  assert.ok(base.served.includes('20'), 'read ahead, then dropped');
});

test('a read ahead that fails fails the read of its page, not before; settle waits for every read', async () => {
  const source = offsetSource(100, 10, { failAt: '30' });
  const reader = new PageReader(source.fetch, 4, 100);
  const pages: Page[] = [];
  await assert.rejects(async () => {
    let cursor: string | undefined;
    do {
      const page = await reader.read(cursor);
      pages.push(page);
      cursor = page.next;
    } while (cursor);
  }, /page 30 failed/);
  assert.equal(pages.length, 3, 'pages 0, 10 and 20 arrive first');
  await reader.settle();
  assert.equal(source.maxInFlight() <= 4, true);
});
