#!/usr/bin/env node
// Entry point of the `port-sync` command: runs the TypeScript sources through tsx, so there is no
// build step between `npm ci` and `npx port-sync`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../client/cli.ts');
process.exitCode = await main(process.argv);
