// Python-typed values for the BFCL checker: JSON and JS erase the int/float and list/tuple
// distinctions that BFCL's checker (Python) relies on, so parsers can keep them with these markers.
// Only the BFCL path uses them; ESM and the rest of the project see plain JSON values.

/** A number written as a float literal (`6.0`, `1e3`); `value` is what JSON.parse would give. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python tuple literal `(1, 2)`. */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

export type PyTypeName = 'bool' | 'int' | 'float' | 'str' | 'list' | 'tuple' | 'dict' | 'NoneType' | 'unknown';

/** Python's `type(v).__name__` for a value from the Python-typed parsers. */
export function pyType(v: unknown): PyTypeName {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (typeof v === 'object') return 'dict';
  return 'unknown';
}

/** The numeric value Python's `==` sees (True == 1), or undefined for non-numbers. */
function pyNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python `==`: numbers across bool/int/float, lists and tuples element-wise (never list == tuple), dicts by key. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const na = pyNumber(a);
  const nb = pyNumber(b);
  if (na !== undefined || nb !== undefined) return na === nb;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && seqEquals(a, b);
  if (a instanceof PyTuple || b instanceof PyTuple) return a instanceof PyTuple && b instanceof PyTuple && seqEquals(a.items, b.items);
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object);
    const ob = b as Record<string, unknown>;
    if (ka.length !== Object.keys(ob).length) return false;
    return ka.every((k) => Object.hasOwn(ob, k) && pyEquals((a as Record<string, unknown>)[k], ob[k]));
  }
  return false;
}

function seqEquals(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
}

/** Python `x in list`. */
export const pyIn = (x: unknown, list: readonly unknown[]): boolean => list.some((y) => pyEquals(x, y));

/** Plain JSON value (PyFloat -> number, PyTuple -> array), e.g. for ESM or output files. */
export function toPlain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyTuple) return v.items.map(toPlain);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) defineKey(out, k, toPlain(x));
    return out;
  }
  return v;
}

/** JSON text that keeps float-ness: PyFloat(6) is written `6.0`, tuples as arrays. */
export function toPyJson(v: unknown): string {
  if (v instanceof PyFloat) {
    const s = JSON.stringify(v.value);
    return /[.eE]/.test(s) || !Number.isFinite(v.value) ? s : `${s}.0`;
  }
  if (v instanceof PyTuple) return toPyJson(v.items);
  if (Array.isArray(v)) return `[${v.map(toPyJson).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${toPyJson(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** Sets an own enumerable property even for `__proto__`, as JSON.parse does. */
export function defineKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
