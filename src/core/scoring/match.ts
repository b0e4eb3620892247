// Call equality and call-to-call matching shared by ESM (multi-call turns) and evaluation.
// Values are plain JSON: 1 and 1.0 are one number after JSON.parse; booleans never equal numbers.
import type { Call } from '../data/messages.ts';

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  return ka.length === Object.keys(ob).length && ka.every((k) => Object.hasOwn(ob, k) && jsonEqual((a as Record<string, unknown>)[k], ob[k]));
}

export const callEqual = (a: Call, b: Call): boolean => a.name === b.name && jsonEqual(a.arguments, b.arguments);

/** Same calls as a multiset: every call matches one distinct call of the other list, in any order. */
export function callsMatchUnordered(pred: readonly Call[], truth: readonly Call[]): boolean {
  if (pred.length !== truth.length) return false;
  const used = new Set<number>();
  return pred.every((p) => {
    const j = truth.findIndex((t, k) => !used.has(k) && callEqual(p, t));
    if (j < 0) return false;
    used.add(j);
    return true;
  });
}

/** Largest truth count solved exactly; above it matching falls back to greedy. */
const EXACT_MAX = 12;

/**
 * Pairs (row, column) maximising the summed score, each row and column used at most once, every
 * possible pair made (min(rows, cols) pairs). Exact (DP over column subsets) up to 12 columns,
 * greedy (highest remaining score first) beyond. Ties go to the lowest indices, so it is deterministic.
 */
export function bestAssignment(score: number[][]): Array<[number, number]> {
  const rows = score.length;
  const cols = rows ? score[0].length : 0;
  if (!rows || !cols) return [];
  if (cols > EXACT_MAX) return greedyAssignment(score);
  const need = Math.min(rows, cols);
  const memo = new Map<number, number>();
  const popcount = (m: number): number => (m === 0 ? 0 : (m & 1) + popcount(m >>> 1));
  // best(i, mask): max total over rows i.. given used columns `mask`, -Infinity if `need` pairs become impossible.
  const best = (i: number, mask: number): number => {
    const made = popcount(mask);
    if (made === need) return 0;
    if (rows - i < need - made) return -Infinity;
    const key = i * (1 << cols) + mask;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let v = best(i + 1, mask);
    for (let j = 0; j < cols; j++) if (!(mask & (1 << j))) v = Math.max(v, score[i][j] + best(i + 1, mask | (1 << j)));
    memo.set(key, v);
    return v;
  };
  const pairs: Array<[number, number]> = [];
  let mask = 0;
  for (let i = 0; i < rows && pairs.length < need; i++) {
    const target = best(i, mask);
    let chosen = -1;
    for (let j = 0; j < cols && chosen < 0; j++) {
      if (!(mask & (1 << j)) && score[i][j] + best(i + 1, mask | (1 << j)) === target) chosen = j;
    }
    if (chosen >= 0) {
      pairs.push([i, chosen]);
      mask |= 1 << chosen;
    }
  }
  return pairs;
}

function greedyAssignment(score: number[][]): Array<[number, number]> {
  const cells: Array<[number, number, number]> = [];
  score.forEach((row, i) => row.forEach((s, j) => cells.push([s, i, j])));
  cells.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const usedR = new Set<number>();
  const usedC = new Set<number>();
  const pairs: Array<[number, number]> = [];
  for (const [, i, j] of cells) {
    if (usedR.has(i) || usedC.has(j)) continue;
    usedR.add(i);
    usedC.add(j);
    pairs.push([i, j]);
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}
