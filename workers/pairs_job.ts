// The Pairs stage in the engine: core's token-level sampler over the train prompts, one prompt at a
// time (as core's buildPairs does, same seeds), so pause and stop are honoured between prompts.
import type { Sample } from '../src/core/data/sample.ts';
import { resolvePreferenceConfig } from '../src/core/preference/config.ts';
import { buildPairsForSample, type SamplePairs } from '../src/core/preference/build_pairs.ts';
import { dedupePairs, type PreferencePair } from '../src/core/preference/pairing.ts';
import { pairStats, type PromptOutcome } from '../src/core/preference/stats.ts';
import { toolCallTurns } from '../src/core/preference/turn_context.ts';
import { createRng } from '../src/core/rng.ts';
import type { PairsRequest, PairsResult } from '../src/protocol.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';

export async function pairsJob(session: Session, request: PairsRequest, job: Job): Promise<PairsResult> {
  const { maxPrompts, ...rest } = request.config as { maxPrompts?: number } & Record<string, unknown>;
  const config = resolvePreferenceConfig(rest);
  const items = request.samples.flatMap((s: Sample) => toolCallTurns(s).map((turn) => ({ sample: s, turn })))
    .slice(0, typeof maxPrompts === 'number' ? maxPrompts : undefined);
  job.setTotal(items.length);
  const rng = createRng(config.seed);
  const t0 = performance.now();
  const outcomes: PromptOutcome[] = [];
  const all: PreferencePair[] = [];
  const details: SamplePairs[] = [];
  let stopped = false;
  for (const [i, item] of items.entries()) {
    if (await job.shouldStop()) {
      stopped = true;
      break;
    }
    const r = await buildPairsForSample(session.model, session.tokenizer, item.sample, item.turn, config, createRng(rng.fork()));
    outcomes.push(r.outcome);
    all.push(...r.pairs);
    details.push(r);
    job.report(i + 1, { pairs: all.length, divergences: r.divergences.length }, `${all.length} pairs`);
  }
  const pairs = dedupePairs(all);
  const stats = pairStats(config.mode, outcomes, pairs, { duplicatesRemoved: all.length - pairs.length, elapsedMs: performance.now() - t0 });
  return { pairs, stats, details, outcome: stopped ? 'stopped' : 'done', config: { maxPrompts, ...config } };
}
