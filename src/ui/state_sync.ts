// Keeps the persisted slices of the page state in IndexedDB: restores them at start, saves a slice
// (debounced) whenever it changes. A job that was running at reload comes back as 'stopped'.
import * as persist from './persist.ts';
import type { AppState, StageState, Store } from './state.ts';

/** Slices saved across reloads (everything else is live: backend, memory, alerts). */
export const PERSISTED = ['dataset', 'sft', 'dpo', 'pairs', 'evaluation', 'history', 'stages', 'modelSource'] as const;
type Key = (typeof PERSISTED)[number];

export async function restoreState(store: Store): Promise<void> {
  const patch: Partial<AppState> = {};
  for (const key of PERSISTED) {
    const value = await persist.load(`state:${key}`).catch(() => undefined);
    if (value !== undefined) (patch as Record<string, unknown>)[key] = value;
  }
  if (patch.stages) {
    const stages = { ...store.state.stages };
    for (const [name, s] of Object.entries(patch.stages) as [keyof AppState['stages'], StageState][]) {
      const interrupted = s.status === 'running' || s.status === 'paused';
      stages[name] = interrupted ? { status: 'stopped', error: 'interrupted by a reload', progress: s.progress } : s;
    }
    patch.stages = stages;
  }
  store.update(patch);
}

/** Saves changed slices; `onError` gets quota errors with advice. */
export function syncState(store: Store, onError: (message: string) => void): void {
  const last = new Map<Key, unknown>();
  for (const key of PERSISTED) last.set(key, (store.state as unknown as Record<string, unknown>)[key]);
  const dirty = new Set<Key>();
  let timer = 0;
  const flush = async (): Promise<void> => {
    timer = 0;
    for (const key of [...dirty]) {
      dirty.delete(key);
      try {
        await persist.save(`state:${key}`, (store.state as unknown as Record<string, unknown>)[key]);
      } catch (err) {
        onError(err instanceof persist.StorageFullError
          ? `Browser storage is full: ${key} was not saved. Delete old checkpoints or the dataset in Export > Storage.`
          : `Could not save ${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  // A reload or a closed tab right after a stage ends must not lose it to the debounce: save what is pending now.
  window.addEventListener('pagehide', () => {
    if (!timer) return;
    clearTimeout(timer);
    void flush();
  });
  store.subscribe((state) => {
    for (const key of PERSISTED) {
      const v = (state as unknown as Record<string, unknown>)[key];
      if (v !== last.get(key)) {
        last.set(key, v);
        dirty.add(key);
      }
    }
    if (dirty.size && !timer) timer = window.setTimeout(() => void flush(), 400);
  });
}
