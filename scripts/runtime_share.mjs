#!/usr/bin/env node
// Runs scripts/runtime_share.ts with the same loaders as the `ttpa` CLI (tsx, tfjs resolution).
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';
register();
registerHook('../bin/tfjs_resolve.mjs', import.meta.url);
await import('./runtime_share.ts');
