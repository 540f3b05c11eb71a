// Child process of worker/bundle.ts: builds the workflow bundle and writes it to a file, so the
// bundler's memory goes away with this process instead of staying in the worker.
import { writeBundle } from './bundle';

const [withTracing, out] = process.argv.slice(2);
if (!out) throw new Error('usage: buildBundle.ts <withTracing> <out>');
await writeBundle(withTracing === 'true', out);
