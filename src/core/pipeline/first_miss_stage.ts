// One model's test call turns read at the token level (model/turn_logps.ts: one teacher-forced pass), stored as
// `firstmiss/<name>/turns.jsonl` for the loop report, which compares the arms at the origin model's first wrong
// tokens (scoring/first_miss.ts): a readout far more sensitive than whole turns, since it sees a token fixed before
// the turn is. The test samples are the evaluation's (eval.limit); whole turns are read, so a turn longer than
// eval.maxNewTokens, which the evaluation counts wrong, can read exact here. Values keep 9 significant digits,
// which tells any two float32 log-probs apart, so every miss reads back exactly.
import { disposeModel } from '../model/params.ts';
import { turnLogps } from '../model/turn_logps.ts';
import { loadCheckpoint } from '../runtime/checkpoint.ts';
import type { TurnLogps } from '../scoring/first_miss.ts';
import type { ResolvedPipeline } from './config.ts';
import { runStage, type StageRecord } from './stage.ts';
import { hashes, readSamples, type PipelineEnv, type SftSource } from './stages.ts';
import type { RunStore } from './store.ts';

const FILE = 'turns.jsonl';
const keep = (xs: number[]): number[] => xs.map((v) => Number(v.toPrecision(9)));

export function firstMissStage(env: PipelineEnv, r: ResolvedPipeline, name: string, model: SftSource, data: StageRecord): Promise<StageRecord<{ callTurns: number; skipped: number }>> {
  const dir = `firstmiss/${name}`;
  const limit = r.config.eval.limit;
  return runStage(env.store, dir, { split: 'test', limit }, { ...hashes(data), ...model.inputs }, env.events, async () => {
    const { model: m, tokenizer } = await loadCheckpoint(model.source);
    try {
      const test = await readSamples(env.store, 'test');
      const { turns, skipped } = await turnLogps(m, tokenizer, limit > 0 ? test.slice(0, limit) : test);
      const calls = turns.filter((t) => t.call);
      await env.store.writeFiles(dir, { [FILE]: calls.map((t) => JSON.stringify({ ...t, truth: keep(t.truth), bestOther: keep(t.bestOther) })).join('\n') + '\n' });
      return { callTurns: calls.length, skipped };
    } finally {
      disposeModel(m);
    }
  });
}

/** A model's stored call turns; null when the run has none for it (a run folder from before this stage). */
export async function readFirstMiss(store: RunStore, name: string): Promise<TurnLogps[] | null> {
  const path = `firstmiss/${name}/${FILE}`;
  if (!store.has(path)) return null;
  return (await store.readText(path)).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as TurnLogps);
}
