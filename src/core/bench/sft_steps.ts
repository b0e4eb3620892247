// Timed SFT steps through the real trainer (runSft: batch building, tokenLogProbs, AdamW, clipping) on
// random full-length rows, so every token trains. The first step (kernel set-up, weight packing) is untimed.
import { tf } from '../runtime/tf.ts';
import type { Model } from '../model/params.ts';
import { resolveSftConfig } from '../train/config.ts';
import { modelPolicy } from '../train/policy.ts';
import { runSft } from '../train/sft.ts';
import { sftReplicaSpec, type StartReplicas } from '../train/replica.ts';
import { median } from './timing.ts';
import { randomTokens } from './models.ts';

export interface SftStepsOptions {
  seqLen: number;
  batchSize: number;
  /** Timed steps (one more runs first, untimed). */
  steps: number;
  seed?: number;
  /** Data-parallel replicas to share every step with (started from the run's spec, closed after). */
  startReplicas?: StartReplicas;
  /** CPU time of the whole process (every thread) so far, ms (Node: process.cpuUsage); gives cpuMsPerStep. */
  cpuClockMs?: () => number;
  /** Called after each step with its number and the live tensor count. */
  onStep?: (step: number, numTensors: number) => void;
}

export interface SftStepsResult {
  /** Median over the timed steps. */
  stepMs: number;
  /** Fastest timed step (the one least disturbed by other load on a shared machine). */
  bestStepMs: number;
  tokensPerStep: number;
  tokensPerSec: number;
  /** CPU time per timed step over every thread (with cpuClockMs): the work a step costs, whatever else shares the cores. */
  cpuMsPerStep?: number;
  losses: number[];
}

export async function timeSftSteps(model: Model, o: SftStepsOptions): Promise<SftStepsResult> {
  const total = o.steps + 1;
  const rows = randomTokens(model.config.vocab_size, o.batchSize * total, o.seqLen + 1, o.seed ?? 1);
  const data = rows.map((ids) => ({ ids, lossMask: ids.map((_, i) => (i === 0 ? 0 : 1)) }));
  const config = resolveSftConfig({ steps: total, batchSize: o.batchSize, seqLen: o.seqLen, warmupSteps: 0, checkpointEvery: 0, trainOn: 'all', lr: 1e-4 });
  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  const replicas = o.startReplicas ? await o.startReplicas(await sftReplicaSpec(model, { data, config, padTokenId: 0 })) : undefined;
  const result = await runSft({
    policy: modelPolicy(model, config), data, config, padTokenId: 0, modelFiles: async () => ({}), replicas,
    hooks: {
      onStep: (m) => {
        if (m.step > 1) stepMs.push(m.step_ms);
        if (o.cpuClockMs) cpuMs.push(o.cpuClockMs());
        o.onStep?.(m.step, tf.memory().numTensors);
      },
    },
  }).finally(() => replicas?.close());
  const ms = median(stepMs.length ? stepMs : [NaN]);
  const tokensPerStep = o.batchSize * o.seqLen;
  const cpuMsPerStep = cpuMs.length > 1 ? (cpuMs[cpuMs.length - 1] - cpuMs[0]) / (cpuMs.length - 1) : undefined;
  return { stepMs: ms, bestStepMs: Math.min(...stepMs), tokensPerStep, tokensPerSec: tokensPerStep / (ms / 1000), cpuMsPerStep, losses: result.losses };
}
