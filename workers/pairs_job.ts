// The Pairs stage in the engine: core's token-level sampler (buildPairs) over the first train samples
// up to `maxPrompts` prompts (assistant turns), with progress, pause/stop between prompts and the teaching details.
import type { Sample } from '../src/core/data/sample.ts';
import { buildPairs } from '../src/core/preference/build_pairs.ts';
import { resolvePreferenceConfig, type PreferenceConfig } from '../src/core/preference/config.ts';
import { pairTurns } from '../src/core/preference/turn_context.ts';
import type { PairsRequest, PairsResult, SamplePairs } from '../src/protocol.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';

export async function pairsJob(session: Session, request: PairsRequest, job: Job, onPrompt?: (detail: SamplePairs) => void): Promise<PairsResult> {
  const { maxPrompts, config, samples, turns } = planPairs(request.config, request.samples);
  job.setTotal(turns);
  const result = await buildPairs(session.model, session.tokenizer, samples, config, {
    keepDetails: true,
    shouldStop: () => job.shouldStop(),
    onProgress: (p) => job.report(p.done, { pairs: p.pairs }, `${p.pairs} pairs`),
    onPrompt: onPrompt ? (detail) => onPrompt(detail) : undefined,
  });
  return {
    pairs: result.pairs, stats: result.stats, details: result.details ?? [],
    outcome: result.stopped ? 'stopped' : 'done', config: { maxPrompts, ...config },
  };
}

/** The Pairs settings resolved, and the samples (with their turn count) that fit in `maxPrompts` prompts. */
export function planPairs(overrides: Record<string, unknown>, candidates: Sample[]): { maxPrompts?: number; config: PreferenceConfig; samples: Sample[]; turns: number } {
  const { maxPrompts, ...rest } = overrides as { maxPrompts?: number } & Record<string, unknown>;
  const config = resolvePreferenceConfig(rest);
  const turnsOf = (s: Sample): number => pairTurns(s, config.includeTextTurns).length;
  const samples = takePrompts(candidates, turnsOf, typeof maxPrompts === 'number' ? maxPrompts : Infinity);
  return { maxPrompts, config, samples, turns: samples.reduce((n, s) => n + turnsOf(s), 0) };
}

/** Samples, in order, whose prompts (turns pairs are built for) fit in `max` (the first one with any if none fits). */
function takePrompts(samples: Sample[], turnsOf: (s: Sample) => number, max: number): Sample[] {
  const out: Sample[] = [];
  let n = 0;
  for (const s of samples) {
    const turns = turnsOf(s);
    if (!turns || n + turns > max) continue;
    out.push(s);
    n += turns;
    if (n === max) break;
  }
  const first = samples.find((s) => turnsOf(s) > 0);
  return out.length || !first ? out : [first];
}
