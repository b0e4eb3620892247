// Margins at the first wrong token, on held-out turns: one teacher-forced pass per model over a samples file, then
// src/core/scoring/first_miss.ts compares the models at the base model's first misses (where greedy decoding first
// leaves the ground truth of a call turn). Token-level pairs push on exactly such tokens; this measures whether an
// update moved them on turns it never trained on, and by how much, before any whole turn flips.
// Usage: node scripts/first_miss.mjs --data test.jsonl --base DIR --model name=DIR [--model name=DIR ...]
//        [--vs a,b ...] [--limit N] [--threads N] [--out result.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { disposeModel } from '../src/core/model/params.ts';
import { turnLogps } from '../src/core/model/turn_logps.ts';
import { initBackend } from '../src/core/runtime/backend.ts';
import { loadCheckpoint } from '../src/core/runtime/checkpoint.ts';
import { atBaseMisses, pairedAtBaseMisses, type TurnLogps } from '../src/core/scoring/first_miss.ts';
import { parseSamplesJsonl } from '../src/core/train/sft_data.ts';
import type { Sample } from '../src/core/data/sample.ts';
import { dirSource } from '../src/cli/files.ts';

function args(argv: string[]): { data: string; base: string; models: [string, string][]; vs: [string, string][]; limit: number; threads: number; out?: string } {
  const get = (k: string) => argv.flatMap((a, i) => (a === `--${k}` ? [argv[i + 1]] : []));
  const [data, base] = [get('data')[0], get('base')[0]];
  if (!data || !base) throw new Error('usage: --data FILE --base DIR --model name=DIR [--model ...] [--vs a,b] [--limit N] [--threads N] [--out FILE]');
  const models = get('model').map((m) => {
    const at = m.indexOf('=');
    if (at < 1) throw new Error(`--model ${m}: expected name=DIR`);
    return [m.slice(0, at), m.slice(at + 1)] as [string, string];
  });
  const vs = get('vs').map((v) => v.split(',') as [string, string]);
  for (const [a, b] of vs) for (const n of [a, b]) if (n !== 'base' && !models.some(([m]) => m === n)) throw new Error(`--vs ${a},${b}: no model named ${n}`);
  return { data, base, models, vs, limit: Number(get('limit')[0] ?? 0), threads: Number(get('threads')[0] ?? 1), out: get('out')[0] };
}

/** One checkpoint's turn log-probs on `samples`. */
async function probe(dir: string, samples: Sample[]): Promise<TurnLogps[]> {
  const { model, tokenizer } = await loadCheckpoint(dirSource(dir));
  try {
    const { turns, skipped } = await turnLogps(model, tokenizer, samples);
    if (skipped) console.error(`${dir}: ${skipped} samples longer than the model's positions left out`);
    return turns;
  } finally {
    disposeModel(model);
  }
}

const a = args(process.argv.slice(2));
await initBackend({ order: ['wasm'], threads: a.threads });
let samples = parseSamplesJsonl(readFileSync(a.data, 'utf8'), a.data);
if (a.limit > 0) samples = samples.slice(0, a.limit);
const t0 = performance.now();
const base = await probe(a.base, samples);
const probes: Record<string, TurnLogps[]> = { base };
for (const [name, dir] of a.models) probes[name] = await probe(dir, samples);
const models = Object.fromEntries(Object.entries(probes).map(([n, p]) => [n, atBaseMisses(base, p)]));
const paired = Object.fromEntries(a.vs.map(([x, y]) => [`${x} vs ${y}`, pairedAtBaseMisses(base, probes[x], probes[y])]));
const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const lines = [
  `${a.data}: ${samples.length} samples; base ${a.base}; ${((performance.now() - t0) / 1000).toFixed(0)} s`, '',
  '| model | call turns | no miss (greedy writes the truth) | base clean kept | base missed, now clean | first miss later / earlier | missed tokens a missed turn (median; turns with one) | base misses now right | median margin there | median log p(truth) there | new misses: tokens the base has right (turns) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...Object.entries(models).map(([n, m]) => `| ${n} | ${m.callTurns} | ${m.clean} (${f((100 * m.clean) / m.callTurns, 1)}%) | ${m.keptClean} | ${m.repaired} | ${m.movedLater} / ${m.movedEarlier} | ${m.medianMisses} (${m.oneMiss}) | ${m.fixed} of ${m.points} | ${f(m.medianMargin)} | ${f(m.medianTruthLogp)} | ${m.newMissTokens} (${m.newMissTurns}) |`),
  '',
  ...(a.vs.length ? ['| pair | points | margin higher (a / b), p | median a − b | fixed only by a / b, p | turns with a new miss, only a / b, p |', '| --- | --- | --- | --- | --- | --- |',
    ...Object.entries(paired).map(([n, p]) => `| ${n} | ${p.points} | ${p.aHigher} / ${p.bHigher}, p = ${p.p.toPrecision(2)} | ${f(p.medianDiff, 3)} | ${p.onlyAFixed} / ${p.onlyBFixed}, p = ${p.pFixed.toPrecision(2)} | ${p.newMissOnlyA} / ${p.newMissOnlyB}, p = ${p.pNewMiss!.toPrecision(2)} |`)] : []),
];
console.log(lines.join('\n'));
if (a.out) writeFileSync(a.out, JSON.stringify({ data: a.data, base: a.base, models: Object.fromEntries(a.models), atBaseMisses: models, paired }, null, 1) + '\n');
