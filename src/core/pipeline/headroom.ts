// pass@k headroom in the loop: the starting model's (the `headroom` stage, loop.passAtK) and, with
// loop.passAtKAllModels, the arms' origin's and every final model's on the same test samples (`headroom/<name>`), each
// turn paired with the model's greedy reading so the report can say how many of the turns a model still gets wrong
// its own samples get right: what its own samples can still teach, against what needs the ground truth as a target.
import { disposeModel } from '../model/params.ts';
import { loadCheckpoint } from '../runtime/checkpoint.ts';
import type { EvalReport } from '../scoring/evaluate.ts';
import { turnKey } from '../scoring/significance.ts';
import type { ResolvedPipeline } from './config.ts';
import { passAtK, type PassAtK } from './pass_at_k.ts';
import { runStage, type StageRecord } from './stage.ts';
import { hashes, readSamples, type PipelineEnv, type SftSource } from './stages.ts';

/** pass@k of `model` on the loop's headroom samples: stage `headroom` for the starting model (name undefined), else `headroom/<name>`. */
export function headroomStage(env: PipelineEnv, r: ResolvedPipeline, name: string | undefined, model: SftSource, data: StageRecord): Promise<StageRecord<PassAtK>> {
  const loop = r.loop;
  const dir = name ? `headroom/${name}` : 'headroom';
  // perTurn: in the identity so records from before the per-turn counts are measured again
  const config = { k: loop.passAtK, temperature: loop.passAtKTemperature, limit: loop.passAtKLimit, maxNewTokens: r.config.eval.maxNewTokens, perTurn: true };
  return runStage(env.store, dir, config, { ...hashes(data), ...model.inputs }, env.events, async () => {
    const { model: m, tokenizer } = await loadCheckpoint(model.source);
    try {
      const test = await readSamples(env.store, 'test');
      // the same seed for every model: the same samples and the same random stream per turn
      const res = await passAtK(m, tokenizer, loop.passAtKLimit > 0 ? test.slice(0, loop.passAtKLimit) : test, {
        k: loop.passAtK, temperature: loop.passAtKTemperature, maxNewTokens: r.config.eval.maxNewTokens, seed: r.config.seed + 31,
        onProgress: (done, total) => env.events.progress?.(dir, done, total),
      });
      env.events.log?.(`${dir}: pass@${res.k} ${(100 * res.passAtK).toFixed(1)}% (T=${res.temperature}) over ${res.turns} test turns`);
      return res;
    } finally {
      disposeModel(m);
    }
  });
}

/** One model's pass@k beside its greedy reading of the same turns. */
export interface HeadroomRow {
  turns: number;
  passAtK: number;
  passAt1: number;
  /** Greedy exact-match rate on the same turns. */
  greedy: number;
  /** Turns greedy decoding gets wrong, and those of them with at least one exact sample. */
  greedyWrong: number;
  reachable: number;
}

/**
 * A model's pass@k paired turn by turn with its test report; null when the record has no per-turn counts (older
 * records) or a measured turn is missing from the report.
 */
export function headroomRow(h: PassAtK, report: EvalReport): HeadroomRow | null {
  if (!h.perTurn || h.perTurn.length === 0) return null;
  const exact = new Map(report.turns.map((t) => [turnKey(t), t.exact]));
  let greedy = 0;
  let greedyWrong = 0;
  let reachable = 0;
  for (const t of h.perTurn) {
    const g = exact.get(turnKey(t));
    if (g === undefined) return null;
    if (g) greedy++;
    else {
      greedyWrong++;
      if (t.exact > 0) reachable++;
    }
  }
  const n = h.perTurn.length;
  return { turns: n, passAtK: h.passAtK, passAt1: h.passAt1, greedy: greedy / n, greedyWrong, reachable };
}

/**
 * Rows of several seeds' disjoint test turns added up (rates weighted by turns), per model measured on every seed; a
 * model missing from a seed is left out.
 */
export function poolHeadroom(seeds: readonly Record<string, HeadroomRow>[]): Record<string, HeadroomRow> {
  const names = Object.keys(seeds[0] ?? {}).filter((n) => seeds.every((s) => s[n]));
  return Object.fromEntries(names.map((n) => {
    const rows = seeds.map((s) => s[n]);
    const turns = rows.reduce((t, x) => t + x.turns, 0);
    const rate = (k: 'passAtK' | 'passAt1' | 'greedy'): number => rows.reduce((t, x) => t + x[k] * x.turns, 0) / turns;
    return [n, { turns, passAtK: rate('passAtK'), passAt1: rate('passAt1'), greedy: rate('greedy'),
      greedyWrong: rows.reduce((t, x) => t + x.greedyWrong, 0), reachable: rows.reduce((t, x) => t + x.reachable, 0) }];
  }));
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** The report's section: one row per model measured, in the order given; `seeds` > 1 for pooled rows. */
export function headroomLines(rows: Record<string, HeadroomRow>, k: number, temperature: number, seeds = 1): string[] {
  const names = Object.keys(rows);
  if (!names.length) return [];
  const turns = rows[names[0]].turns;
  return [
    `## What each model's own samples can still reach (pass@${k}, T=${temperature})`, '',
    `On the headroom line's ${turns} test turns${seeds > 1 ? ` (${seeds} seeds pooled)` : ''}, every model sampled ${k} times a turn with the same random stream. A turn greedy decoding gets wrong but one of its own samples gets right can be taught from the model's samples alone (a sampled branch the scorer prefers over its greedy answer); the others need the ground truth as the target (SFT, or a pair whose chosen side is the truth). Preference and RL updates on a model's own samples mostly sharpen what it can already sample (Yue et al. 2025), so pass@${k} bounds what another round of them can reach.`, '',
    `| model | greedy exact | pass@1 (T=${temperature}) | pass@${k} | greedy-wrong turns with an exact sample |`, '| --- | --- | --- | --- | --- |',
    ...names.map((n) => { const x = rows[n]; return `| ${n} | ${pct(x.greedy)} | ${pct(x.passAt1)} | ${pct(x.passAtK)} | ${x.reachable} of ${x.greedyWrong} (${pct(x.greedyWrong ? x.reachable / x.greedyWrong : 0)}) |`; }), '',
  ];
}
