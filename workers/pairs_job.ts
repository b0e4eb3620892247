// The Pairs stage in the engine: core's token-level sampler (buildPairs) over the first train samples
// up to `maxPrompts` tool-call turns, with progress, pause/stop between prompts and the teaching details.
import type { Sample } from '../src/core/data/sample.ts';
import { buildPairs } from '../src/core/preference/build_pairs.ts';
import { resolvePreferenceConfig } from '../src/core/preference/config.ts';
import { toolCallTurns } from '../src/core/preference/turn_context.ts';
import type { PairsRequest, PairsResult } from '../src/protocol.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';

export async function pairsJob(session: Session, request: PairsRequest, job: Job): Promise<PairsResult> {
  const { maxPrompts, ...rest } = request.config as { maxPrompts?: number } & Record<string, unknown>;
  const config = resolvePreferenceConfig(rest);
  const samples = takePrompts(request.samples, typeof maxPrompts === 'number' ? maxPrompts : Infinity);
  job.setTotal(samples.reduce((n, s) => n + toolCallTurns(s).length, 0));
  const result = await buildPairs(session.model, session.tokenizer, samples, config, {
    keepDetails: true,
    shouldStop: () => job.shouldStop(),
    onProgress: (p) => job.report(p.done, { pairs: p.pairs }, `${p.pairs} pairs`),
  });
  return {
    pairs: result.pairs, stats: result.stats, details: result.details ?? [],
    outcome: result.stopped ? 'stopped' : 'done', config: { maxPrompts, ...config },
  };
}

/** The first samples whose tool-call turns add up to at most `max` (at least one sample). */
function takePrompts(samples: Sample[], max: number): Sample[] {
  const out: Sample[] = [];
  let n = 0;
  for (const s of samples) {
    const turns = toolCallTurns(s).length;
    if (!turns) continue;
    if (out.length && n + turns > max) break;
    out.push(s);
    n += turns;
  }
  return out;
}
