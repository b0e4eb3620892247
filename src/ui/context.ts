// What every view gets: the store and the two worker handles.
import type { DataApi, EngineApi } from '../protocol.ts';
import type { Store } from './state.ts';
import type { WorkerHandle } from './workers.ts';

export interface AppContext {
  store: Store;
  engine: WorkerHandle<EngineApi>;
  data: WorkerHandle<DataApi>;
  /** Re-reads backend, memory and model from the engine into the store. */
  refreshStatus(): Promise<void>;
}

/** A view renders one stage's panel; it subscribes to the store itself. */
export type View = (ctx: AppContext) => HTMLElement;
