// The settings a learner changes most, as labelled form fields with their range and a line of help, for each
// stage; the full config stays editable as JSON (the editor's advanced view). Fields edit the same overrides
// the JSON holds and are validated by the same worker resolver, so both views always agree.
import type { EngineStage } from '../protocol.ts';
import { h } from './dom.ts';

export interface FieldSpec {
  key: string;
  label: string;
  help: string;
  /** Numbers: inclusive range; a select lists `options`. */
  min?: number;
  max?: number;
  step?: number | 'any';
  options?: string[];
}

/** Fields per stage ('data' is the data worker's config). */
export const FIELDS: Record<EngineStage | 'data', FieldSpec[]> = {
  data: [
    { key: 'n', label: 'Conversations', min: 1, max: 20000, step: 1, help: '1-20000. Each is built backwards from real tool calls; 10% become the test set.' },
    { key: 'seed', label: 'Seed', min: 0, max: 1e9, step: 1, help: 'Same seed, same dataset.' },
  ],
  model: [
    { key: 'preset', label: 'Model size', options: ['tiny', 'default'], help: 'tiny: a toy for tests; default: the shipped model\'s shape (1M parameters).' },
    { key: 'seed', label: 'Seed', min: 0, max: 1e9, step: 1, help: 'Seed of the fresh random weights.' },
    { key: 'tokenizerVocab', label: 'Tokenizer size', min: 0, max: 65536, step: 1, help: '0 uses the shipped tokenizer; 300 or more trains a fresh one of that size.' },
  ],
  sft: [
    { key: 'steps', label: 'Steps', min: 1, max: 100000, step: 1, help: 'Optimizer steps of supervised fine-tuning.' },
    { key: 'lr', label: 'Learning rate', min: 1e-6, max: 0.1, step: 'any', help: '1e-6-0.1. 3e-3 trained the shipped model from scratch.' },
    { key: 'batchSize', label: 'Batch size', min: 1, max: 256, step: 1, help: 'Conversations per step.' },
    { key: 'replicas', label: 'Replicas (data-parallel)', min: 1, max: 64, step: 1, help: '1: the engine alone. N > 1: N Web Workers, each with a copy of the model on one wasm thread, share every batch; the same losses to float rounding. Full weights only (not LoRA).' },
  ],
  pairs: [
    { key: 'maxPrompts', label: 'Prompts', min: 1, max: 5000, step: 1, help: 'Assistant turns sampled for pairs. 8 gave a single pair; the tuned setting is 200.' },
    { key: 'maxNewTokens', label: 'Longest call (tokens)', min: 1, max: 512, step: 1, help: 'Generation stops here.' },
    { key: 'minTop1Prob', label: 'Divergence when top-1 probability is below', min: 0, max: 1, step: 0.05, help: '0-1. Lower: fewer, surer divergence points.' },
  ],
  dpo: [
    { key: 'lr', label: 'Learning rate', min: 1e-7, max: 1e-2, step: 'any', help: 'Tuned: 1e-4. At 1e-3 the shipped model learned to refuse (no call on 20% of turns).' },
    { key: 'steps', label: 'Steps', min: 1, max: 100000, step: 1, help: 'Tuned: 120. Twice that overfits.' },
    { key: 'beta', label: 'β (how far from the reference)', min: 0.001, max: 10, step: 'any', help: 'Larger keeps the model closer to where it started. Tuned: 0.1.' },
    { key: 'lossType', label: 'Loss', options: ['sigmoid', 'ipo', 'hinge', 'robust', 'esm', 'nll'], help: 'sigmoid is DPO; nll trains on the chosen text alone (the control).' },
    { key: 'rpoAlpha', label: 'Chosen-text weight (RPO)', min: 0, max: 10, step: 'any', help: 'Adds the chosen side\'s NLL; 1 is tuned.' },
    { key: 'anchorWeight', label: 'Ground-truth anchor weight', min: 0, max: 10, step: 'any', help: 'SFT on the ground truth of the same prompts in every step, weight W; 0 = off. The prompts: those the pairs were built from (each round\'s own with rounds > 1). One replica only.' },
    { key: 'anchorPerPair', label: 'Anchor samples per pair', min: 0, max: 64, step: 1, help: 'With an anchor weight > 0. 0 = auto: one pass over the anchor samples per pass over the pairs, so fewer pairs bring more anchor samples each (a filter that keeps fewer pairs doubles the anchor\'s dose). A number fixes it, to compare filters or runs at the same dose.' },
    { key: 'pairWarmupSteps', label: 'Ramp the pairs in over (steps)', min: 0, max: 100000, step: 1, help: '0 = off. The pairs\' loss grows from 0 to full over the first N steps; the anchor is never ramped. On validation (EXPERIMENTS.md: seed 3, round 1 replayed) 100 read 21.8% error against 22.4% for the anchor alone (p = 0.04); on the test set after two rounds 19.2% against 19.5% (p = 0.46, no significant difference).' },
    { key: 'pairFilter', label: 'Pairs to train on', options: ['all', 'correct-chosen', 'error-fix', 'base-rejected', 'one-per-turn', 'in-turn'], help: 'all: every pair. correct-chosen: only pairs whose chosen side is an exact call. error-fix: pairs that correct the model (the ground truth against its output, or a branch chosen over its greedy output). base-rejected: error-fix without the truth-walk pairs. one-per-turn: the largest-margin pair of each answer only. in-turn: only pairs that diverge inside an answer, not on whether to call a tool. On validation (EXPERIMENTS.md, round 1 replayed) the filters that keep fewer pairs read better (one pair an answer 25.3% error, error-fix 28.5%) mostly because fewer pairs bring more anchor samples each at auto: the anchor alone reads 29.6% at 1 a pair and 26.0% at 2.' },
    { key: 'rounds', label: 'Rounds', min: 1, max: 50, step: 1, help: '1-50. 1: one run on the built pairs. More: each later round builds new pairs with the updated model from fresh train conversations (Pairs settings), then trains again.' },
    { key: 'replicas', label: 'Replicas (data-parallel)', min: 1, max: 64, step: 1, help: '1: the engine alone. N > 1: N Web Workers, each with a copy of the model on one wasm thread, share every batch; the same losses to float rounding. Full weights only (not LoRA).' },
    { key: 'valSamples', label: 'Validation conversations per round', min: 1, max: 10000, step: 1, help: 'With rounds > 1: the model is checked on this many validation conversations after every round.' },
  ],
  evaluate: [
    { key: 'maxSamples', label: 'Test conversations', min: 1, max: 100000, step: 1, help: 'How many test conversations to score; more turns, narrower interval.' },
    { key: 'maxNewTokens', label: 'Longest answer (tokens)', min: 1, max: 512, step: 1, help: 'Generation stops here.' },
    { key: 'callBias', label: 'Call bias (nats)', min: -20, max: 20, step: 'any', help: 'Added to the log-probability of <tool_call> at the first token of every turn: below 0 the model calls less, above 0 more; 0 is plain greedy. Choose it on validation (Call threshold: validation, or ttpa calibrate), never on the test set.' },
    { key: 'callThreshold', label: 'Call threshold', options: ['fixed', 'validation'], help: 'fixed: the call bias above for every model. validation: each model gets the bias (-4 to 4 nats) with the lowest error on validation conversations; set Call bias to 0.' },
    { key: 'calibrateSamples', label: 'Validation conversations (threshold)', min: 1, max: 100000, step: 1, help: 'With Call threshold validation: how many validation conversations choose each model\'s bias.' },
    { key: 'passAtK', label: 'Samples a turn (pass@k)', min: 0, max: 64, step: 1, help: '0 = off; else 2-64. k > 0: each model also samples k answers a turn, and the table shows on how many turns one of them is right (pass@k): the headroom a round on its own samples could reach. At k 8 it took about twice the greedy evaluation\'s time (ttpa eval, default model, 45 turns); the README\'s runs use 8.' },
    { key: 'passTemperature', label: 'Sampling temperature (pass@k)', min: 0.05, max: 10, step: 'any', help: 'With pass@k: the temperature the k samples are drawn at; the README\'s runs use 0.7.' },
  ],
};

/** Renders the fields of `specs`; `onEdit` gets the key and the new value (number or string). */
export function createFields(id: string, specs: FieldSpec[], onEdit: (key: string, value: number | string) => void): { el: HTMLElement; show(config: Record<string, unknown>): void } {
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const rows = specs.map((f) => {
    const inputId = `field-${id}-${f.key}`;
    const helpId = `${inputId}-help`;
    const input = f.options
      ? h('select', { id: inputId, 'aria-describedby': helpId }, ...f.options.map((o) => h('option', { value: o }, o)))
      : h('input', { id: inputId, type: 'number', min: f.min, max: f.max, step: f.step ?? 'any', 'aria-describedby': helpId, inputmode: 'decimal' });
    input.addEventListener('change', () => {
      const raw = input.value;
      onEdit(f.key, f.options ? raw : Number(raw));
    });
    inputs.set(f.key, input);
    return h('div', { class: 'field' }, h('label', { for: inputId }, f.label), input, h('div', { class: 'field-help', id: helpId }, f.help));
  });
  return {
    el: h('div', { class: 'fields', 'data-testid': `fields-${id}` }, ...rows),
    show(config) {
      for (const [key, input] of inputs) {
        const v = config[key];
        if (v !== undefined && document.activeElement !== input) input.value = String(v);
      }
    },
  };
}
