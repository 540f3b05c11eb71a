#!/usr/bin/env node
// Entry point of the `port-sync` command: runs the TypeScript sources through tsx, so there is no
// build step between `npm ci` and `npx port-sync`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../client/cli.ts');
// Exit explicitly: a failed start may leave connections open that would keep the process alive.
process.exit(await main(process.argv));
