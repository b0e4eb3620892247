// The page's persistence: finished stage outputs (datasets, pairs, reports, run history, configs) as
// plain JSON in IndexedDB, so a reload loses nothing finished. Checkpoints are the engine worker's.
// Quota errors become a StorageFullError that says what can be deleted.

const DB_NAME = 'ttpa-lab';
const STORE = 'kv';

export class StorageFullError extends Error {}

let dbPromise: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return dbPromise;
}

const asStorageError = (err: unknown): unknown =>
  (err as DOMException | null)?.name === 'QuotaExceededError' ? new StorageFullError('browser storage is full') : err;

function request<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then((db) => new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    let req: IDBRequest<T>;
    try {
      req = run(tx.objectStore(STORE));
    } catch (err) {
      // put() itself may throw (quota, uncloneable value) before the transaction does anything.
      tx.abort();
      return reject(asStorageError(err));
    }
    tx.oncomplete = () => resolve(req.result);
    tx.onabort = tx.onerror = () => reject(asStorageError(tx.error ?? req.error));
  }));
}

export const load = <T>(key: string): Promise<T | undefined> => request('readonly', (s) => s.get(key) as IDBRequest<T | undefined>);
export const save = (key: string, value: unknown): Promise<unknown> => request('readwrite', (s) => s.put(value, key));
export const remove = (key: string): Promise<unknown> => request('readwrite', (s) => s.delete(key));
export const keys = (): Promise<string[]> => request('readonly', (s) => s.getAllKeys()).then((k) => k.map(String));

/** Approximate bytes used and available to this origin (navigator.storage.estimate). */
export async function usage(): Promise<{ usedBytes: number; quotaBytes: number } | undefined> {
  const est = await navigator.storage?.estimate?.();
  return est ? { usedBytes: est.usage ?? 0, quotaBytes: est.quota ?? 0 } : undefined;
}

/** Asks the browser not to evict our data under storage pressure (best effort). */
export async function persistStorage(): Promise<boolean> {
  return (await navigator.storage?.persist?.()) ?? false;
}
