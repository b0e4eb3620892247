// Where the engine keeps checkpoints (HF folders as named byte arrays): IndexedDB in the browser
// (usable from the worker, so weights never cross to the page), a Map in Node tests.
import type { CheckpointInfo } from '../src/protocol.ts';

export interface CheckpointStore {
  put(info: CheckpointInfo, files: Record<string, Uint8Array>): Promise<void>;
  get(id: string): Promise<Record<string, Uint8Array>>;
  /** Newest first. */
  list(): Promise<CheckpointInfo[]>;
  delete(id: string): Promise<void>;
}

const byNewest = (a: CheckpointInfo, b: CheckpointInfo): number => b.createdAt - a.createdAt;

export function createMemoryCheckpointStore(): CheckpointStore {
  const items = new Map<string, { info: CheckpointInfo; files: Record<string, Uint8Array> }>();
  return {
    async put(info, files) { items.set(info.id, { info, files }); },
    async get(id) {
      const item = items.get(id);
      if (!item) throw new Error(`no checkpoint ${id}`);
      return item.files;
    },
    async list() { return [...items.values()].map((i) => i.info).sort(byNewest); },
    async delete(id) { items.delete(id); },
  };
}

const DB = 'ttpa-checkpoints';

export function createIdbCheckpointStore(): CheckpointStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> => (db ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('info');
      req.result.createObjectStore('files');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }));
  const tx = async <T>(stores: string[], mode: IDBTransactionMode, run: (t: IDBTransaction) => IDBRequest<T> | void): Promise<T | undefined> => {
    const t = (await open()).transaction(stores, mode);
    const req = run(t);
    return new Promise((resolve, reject) => {
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onabort = t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
    });
  };
  return {
    async put(info, files) {
      try {
        await tx(['info', 'files'], 'readwrite', (t) => {
          t.objectStore('files').put(files, info.id);
          t.objectStore('info').put(info, info.id);
        });
      } catch (err) {
        if ((err as DOMException)?.name === 'QuotaExceededError') {
          throw new Error(`browser storage is full: checkpoint ${info.id} (${(info.bytes / 2 ** 20).toFixed(1)} MiB) was not saved; delete old checkpoints or datasets in Export > Storage`);
        }
        throw err;
      }
    },
    async get(id) {
      const files = await tx(['files'], 'readonly', (t) => t.objectStore('files').get(id) as IDBRequest<Record<string, Uint8Array>>);
      if (!files) throw new Error(`no checkpoint ${id} in browser storage`);
      return files;
    },
    async list() {
      const all = await tx(['info'], 'readonly', (t) => t.objectStore('info').getAll() as IDBRequest<CheckpointInfo[]>);
      return (all ?? []).sort(byNewest);
    },
    async delete(id) {
      await tx(['info', 'files'], 'readwrite', (t) => {
        t.objectStore('files').delete(id);
        t.objectStore('info').delete(id);
      });
    },
  };
}
