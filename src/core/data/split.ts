// Train/validation/test split without leakage: samples that share any call (tool name + argument
// values) are kept in the same split, so no (tool, arguments) pair of a test call appears in train.
// Groups are found with union-find; groups over 2% of the data stay in train, the rest go in seeded order.
import { createRng } from '../rng.ts';
import type { Sample } from './sample.ts';

export interface SplitResult {
  train: Sample[];
  val: Sample[];
  test: Sample[];
  report: SplitReport;
}

export interface SplitReport {
  counts: { train: number; val: number; test: number };
  /** Connected groups of samples that share a call signature, and the largest one's size. */
  groups: number;
  largestGroup: number;
  /** Distinct call signatures per split, and how many test/val signatures also occur in train (0 by construction). */
  signatures: { train: number; val: number; test: number };
  testSignaturesInTrain: number;
  valSignaturesInTrain: number;
}

/** JSON with object keys sorted, so equal arguments give equal strings. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function callSignatures(s: Sample): string[] {
  return s.messages.flatMap((m) => m.tool_calls ?? []).map((c) => `${c.function.name}${canonicalJson(c.function.arguments)}`);
}

/** What must not be shared across splits: the call signatures, or the question for a call-free sample. */
export function leakKeys(s: Sample): string[] {
  const sigs = callSignatures(s);
  return sigs.length ? sigs : [`text:${s.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n')}`];
}

export function splitSamples(samples: Sample[], shares: { val: number; test: number }, seed: number): SplitResult {
  const parent = samples.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const owner = new Map<string, number>();
  samples.forEach((s, i) => {
    for (const sig of leakKeys(s)) {
      const j = owner.get(sig);
      if (j === undefined) owner.set(sig, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, number[]>();
  samples.forEach((_, i) => {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });
  const rng = createRng(seed);
  const list = rng.shuffle([...groups.values()]);
  const target = { test: Math.round(samples.length * shares.test), val: Math.round(samples.length * shares.val) };
  const which = new Array<'train' | 'val' | 'test'>(samples.length).fill('train');
  let nTest = 0;
  let nVal = 0;
  for (const g of list) {
    // the largest groups always stay in train; others fill test, then val, then train
    const big = g.length > Math.max(1, 0.02 * samples.length);
    const dest = big ? 'train' : nTest + g.length <= target.test ? 'test' : nVal + g.length <= target.val ? 'val' : 'train';
    if (dest === 'test') nTest += g.length;
    if (dest === 'val') nVal += g.length;
    for (const i of g) which[i] = dest;
  }
  const out = { train: [] as Sample[], val: [] as Sample[], test: [] as Sample[] };
  samples.forEach((s, i) => out[which[i]].push(s));
  const sigs = (ss: Sample[]) => new Set(ss.flatMap(callSignatures));
  const [tr, va, te] = [sigs(out.train), sigs(out.val), sigs(out.test)];
  return {
    ...out,
    report: {
      counts: { train: out.train.length, val: out.val.length, test: out.test.length },
      groups: groups.size,
      largestGroup: Math.max(0, ...[...groups.values()].map((g) => g.length)),
      signatures: { train: tr.size, val: va.size, test: te.size },
      testSignaturesInTrain: [...te].filter((s) => tr.has(s)).length,
      valSignaturesInTrain: [...va].filter((s) => tr.has(s)).length,
    },
  };
}

/**
 * Samples that share no leak key (call signature, or the question of a call-free sample) with `held`:
 * fresh training prompts for a model whose validation and test splits came from another dataset, so
 * that no held-out call is trained on. Generated datasets with different seeds share some calls
 * (about 2-3% of samples here: common tools with small argument ranges).
 */
export function excludeShared(samples: Sample[], held: readonly Sample[]): { kept: Sample[]; dropped: number } {
  const keys = new Set(held.flatMap(leakKeys));
  const kept = samples.filter((s) => !leakKeys(s).some((k) => keys.has(k)));
  return { kept, dropped: samples.length - kept.length };
}
