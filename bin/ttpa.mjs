#!/usr/bin/env node
// The `ttpa` CLI entry: registers tsx so the TypeScript sources run directly, then hands over.
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';
register();
registerHook('./tfjs_resolve.mjs', import.meta.url);
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
