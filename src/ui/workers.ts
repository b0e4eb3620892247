// Starts the engine and data workers and wraps them with comlink; restarts a worker that died.
// The page talks to workers only through the protocol types; nothing here knows about tfjs.
import * as Comlink from 'comlink';
import type { DataApi, EngineApi } from '../protocol.ts';

export type Remote<T> = Comlink.Remote<T>;

/** A worker handle whose `api` is replaced when the worker is restarted. */
export interface WorkerHandle<T> {
  api: Remote<T>;
  /** Terminates the current worker and starts a fresh one. */
  restart(): void;
  /** Called with a reason when the worker dies (uncaught error at top level, failed to load). */
  onDeath(listener: (reason: string) => void): void;
  /** Called after each restart: calls pending on the old worker will never settle. */
  onRestart(listener: () => void): void;
}

function startWorker<T>(create: () => Worker): WorkerHandle<T> {
  const listeners: ((reason: string) => void)[] = [];
  const restartListeners: (() => void)[] = [];
  let worker = create();
  const watch = (w: Worker): void => {
    w.addEventListener('error', (e) => {
      e.preventDefault();
      for (const l of listeners) l(e.message || 'worker failed to start or crashed');
    });
  };
  watch(worker);
  const handle: WorkerHandle<T> = {
    api: Comlink.wrap<T>(worker),
    restart() {
      handle.api[Comlink.releaseProxy]();
      worker.terminate();
      worker = create();
      watch(worker);
      handle.api = Comlink.wrap<T>(worker);
      for (const l of restartListeners) l();
    },
    onDeath(listener) {
      listeners.push(listener);
    },
    onRestart(listener) {
      restartListeners.push(listener);
    },
  };
  return handle;
}

export function startEngineWorker(): WorkerHandle<EngineApi> {
  return startWorker<EngineApi>(
    () => new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
  );
}

export function startDataWorker(): WorkerHandle<DataApi> {
  return startWorker<DataApi>(
    () => new Worker(new URL('../../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' }),
  );
}

/** Wraps a callback so it can be passed to a worker method (comlink proxies it). */
export const callback = <F extends (...args: never[]) => unknown>(fn: F): F => Comlink.proxy(fn);
