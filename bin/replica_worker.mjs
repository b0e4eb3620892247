// Entry of a data-parallel replica's worker thread (src/cli/replica_pool.ts starts it): registers tsx and the
// tfjs resolve hook, as bin/ttpa.mjs does for the main thread, then hands over to src/cli/replica_worker.ts.
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';
register();
registerHook('./tfjs_resolve.mjs', import.meta.url);
await import('../src/cli/replica_worker.ts');
