// The Evaluate panel's "call threshold set on validation": the current model's bias on <tool_call> at each turn's
// first token, chosen where validation error is lowest, as `ttpa calibrate` and the loop's calibrate stage choose it.
// Core decodes and scores (call_decision.ts); this decodes in chunks so pause and stop are honoured between them.
import { chooseOnValidation, decodeDecisions, type BiasChoice } from '../src/core/pipeline/call_decision.ts';
import { DEFAULT_LOOP_CONFIG } from '../src/core/pipeline/loop_config.ts';
import { biasGrid, type DecisionTurn } from '../src/core/scoring/call_calibration.ts';
import type { CalibrateRequest } from '../src/protocol.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';
import { resolveStageConfig } from './stage_config.ts';

/** The loop's grid: turns within this many nats of the threshold are decoded both ways, biases in its steps. */
const SPAN = DEFAULT_LOOP_CONFIG.calibrateSpan;
const STEP = DEFAULT_LOOP_CONFIG.calibrateStep;

export async function calibrateJob(session: Session, request: CalibrateRequest, job: Job): Promise<BiasChoice | undefined> {
  const { maxNewTokens, batchSize } = resolveStageConfig('evaluate', request.config) as { maxNewTokens: number; batchSize: number };
  if (!request.samples.length) throw new Error('calibrate: no validation samples to set the call threshold on');
  const total = request.samples.reduce((n, s) => n + s.messages.filter((m) => m.role === 'assistant').length, 0);
  job.setTotal(total);
  const turns: DecisionTurn[] = [];
  const chunk = Math.max(1, batchSize) * 2;
  for (let k = 0; k < request.samples.length; k += chunk) {
    if (await job.shouldStop()) return undefined;
    const done = turns.length;
    turns.push(...await decodeDecisions(session.model, session.tokenizer, request.samples.slice(k, k + chunk), {
      maxNewTokens, batchSize, span: SPAN,
      onProgress: (d) => job.report(done + d, {}, `${request.label ? `${request.label}: ` : ''}call threshold on validation, turn ${done + d}/${total}`),
    }));
  }
  return chooseOnValidation(request.samples.length, turns, biasGrid(SPAN, STEP));
}
