// What every view gets: the store and the two worker handles.
import type { DataApi, EngineApi, StageName } from '../protocol.ts';
import type { Store } from './state.ts';
import type { WorkerHandle } from './workers.ts';

export interface AppContext {
  store: Store;
  engine: WorkerHandle<EngineApi>;
  data: WorkerHandle<DataApi>;
  /** Re-reads backend, memory and model from the engine into the store. */
  refreshStatus(): Promise<void>;
  /** What each view registers so a preset can configure and run every stage in order. */
  stages: Partial<Record<StageName, StageControl>>;
}

export interface StageControl {
  /** Replaces the stage's config with these overrides (validated, defaults filled in). */
  configure(overrides: Record<string, unknown>): Promise<void>;
  /** Runs the stage as its Start button does; resolves when it ends (check the store's status). */
  run(): Promise<void>;
}

/** A view renders one stage's panel; it subscribes to the store itself. */
export type View = (ctx: AppContext) => HTMLElement;
