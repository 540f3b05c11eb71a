// The npm registry this project is built from does not serve every platform build of @swc/core
// (darwin, win32 and some linux ones answer 404), so `npm install` writes a lock whose optional
// dependencies point at entries it could not add, and `npm ci` then refuses the lock. This drops the
// optional dependencies that have no entry in the lock. Run after `npm install` changes the lock:
//   node scripts/prune-lock.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const dropped = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`]) {
      delete entry.optionalDependencies[name];
      dropped.push(`${path || '(root)'} -> ${name}`);
    }
  }
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(dropped.length ? `dropped ${dropped.length} unresolvable optional dependencies:\n  ${dropped.join('\n  ')}` : 'lock is consistent');
