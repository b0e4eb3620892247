// Pipeline configuration: one plain-JSON object per preset (models/presets/*.json), frozen defaults, and
// resolvePipelineConfig() that merges a preset with overrides, applies the run seed and validates.
import { resolveDataConfig, type DataConfig, type DataConfigOverrides } from '../data/config.ts';
import { MODEL_PRESETS, type ModelConfig } from '../model/config.ts';
import { resolvePreferenceConfig, type PreferenceConfig } from '../preference/config.ts';
import { resolveSftConfig, type SftConfig } from '../train/config.ts';
import { lossTerms, resolveDpoConfig, type DpoConfig } from '../train/dpo_config.ts';
import { resolveLoopConfig, type LoopConfig } from './loop_config.ts';

export interface EvalSettings {
  /** Longest generated turn, in tokens, >= 1. */
  maxNewTokens: number;
  /** Prompts decoded together (left-padded), >= 1. */
  batchSize: number;
  /** Evaluate only the first N test samples; 0 = all. */
  limit: number;
}

export interface PipelineConfig {
  /** Preset name, reported. */
  name: string;
  /**
   * Run seed: every stage's seed derives from it. Data uses DATA_SEED_OFFSET + seed, so a pipeline's test
   * set is never the data the shipped default model was fine-tuned on (generated with seed 1).
   */
  seed: number;
  /**
   * The generator's settings (seed: see above), plus `exclude`: datasets to generate and hold out, each a data
   * config (n, seed, mix…). Generated samples sharing a call or a call-free question with any of them are dropped
   * before the split, as `ttpa data --exclude` does with files: e.g. the shipped model's own SFT data, so that
   * train, validation and test hold only calls the start model never saw.
   */
  data: DataConfigOverrides & { exclude?: DataConfigOverrides[] };
  /** Used only when the pipeline trains its own SFT model (no start checkpoint). */
  tokenizer: { vocabSize: number };
  /** Model preset and overrides for the pipeline's own SFT model. */
  model: { preset: string; overrides: Partial<ModelConfig> };
  /** Start from the shipped SFT checkpoint (models/default) when the caller provides one. */
  useStartModel: boolean;
  sft: Partial<SftConfig>;
  eval: EvalSettings;
  pairs: {
    /** Train samples whose tool-call turns are sampled for pairs, >= 1. */
    prompts: number;
    token: Partial<PreferenceConfig>;
    sequence: Partial<PreferenceConfig>;
    /** Train both DPO runs on the same number of pairs (the smaller count; seeded subsample of the larger). */
    equalize: boolean;
  };
  /** DPO settings of both runs (TTPA and the sequence-level baseline). */
  dpo: Partial<DpoConfig>;
  /**
   * Also train and evaluate a control: the SFT model on TTPA's pairs (the same subset, steps and settings) with
   * dpo.lossType 'nll', the chosen completions' NLL alone (weight dpo.rpoAlpha, or 1 when that is 0). TTPA minus
   * the control is what the preference term adds beyond the supervised text its pairs carry.
   */
  control: boolean;
  /**
   * The control's NLL weight; null (the default) takes the weight TTPA's loss gives the chosen side (dpo.rpoAlpha plus
   * any 'sft' term), or 1 when it gives none. At 1 against a preference term at 0.1 the control trains 10 times
   * harder on the same text and reads worse for that alone (EXPERIMENTS.md): set it to the preference term's weight for a
   * control that differs from TTPA in the preference alone.
   */
  controlWeight: number | null;
  /** The update loop (loop_config.ts); rounds 0 (the default) runs the single-round pipeline above. */
  loop: Partial<LoopConfig>;
}

export const DEFAULT_PIPELINE_CONFIG: Readonly<PipelineConfig> = Object.freeze({
  name: 'custom',
  seed: 1,
  data: { n: 1000 },
  tokenizer: { vocabSize: 1024 },
  model: { preset: 'default', overrides: {} },
  useStartModel: true,
  sft: { steps: 300, batchSize: 16, lr: 2e-3, seqLen: 384, bucketByLength: true },
  eval: { maxNewTokens: 96, batchSize: 16, limit: 0 },
  pairs: { prompts: 200, token: { mode: 'token' }, sequence: { mode: 'sequence' }, equalize: true },
  dpo: { steps: 60, batchSize: 8, lr: 5e-5 },
  control: false,
  controlWeight: null,
  loop: {},
}) as Readonly<PipelineConfig>;

export const DATA_SEED_OFFSET = 1000;

function resolveDataExclude(exclude: unknown): DataConfig[] {
  if (exclude === undefined) return [];
  if (!Array.isArray(exclude)) throw new Error(`pipeline.data.exclude must be a list of data configs ({ "n": …, "seed": … }), got ${JSON.stringify(exclude)}`);
  return exclude.map((e, i) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) throw new Error(`pipeline.data.exclude[${i}] must be a data config object, got ${JSON.stringify(e)}`);
    try {
      return resolveDataConfig(e as DataConfigOverrides);
    } catch (err) {
      throw new Error(`pipeline.data.exclude[${i}]: ${(err as Error).message}`);
    }
  });
}

/** The per-stage configs after the seed is applied, each resolved and validated by its own module. */
export interface ResolvedPipeline {
  config: PipelineConfig;
  data: ReturnType<typeof resolveDataConfig>;
  /** The datasets `data.exclude` holds out, resolved (empty: none). */
  dataExclude: DataConfig[];
  sft: SftConfig;
  pairsToken: PreferenceConfig;
  pairsSequence: PreferenceConfig;
  dpo: DpoConfig;
  /** The control's DPO config (lossType 'nll'), or null without `control` (and without a loop control arm). */
  dpoControl: DpoConfig | null;
  loop: LoopConfig;
}

const SECTIONS = Object.keys(DEFAULT_PIPELINE_CONFIG) as (keyof PipelineConfig)[];

/** Merges `preset` (and `overrides`) onto the defaults section by section, then validates every section. */
export function resolvePipelineConfig(preset: unknown, overrides: Partial<PipelineConfig> = {}): ResolvedPipeline {
  if (!preset || typeof preset !== 'object' || Array.isArray(preset)) throw new Error('pipeline preset must be a JSON object');
  for (const k of [...Object.keys(preset), ...Object.keys(overrides)]) {
    if (!SECTIONS.includes(k as keyof PipelineConfig) && k !== '$comment') throw new Error(`pipeline.${k} is not a known setting`);
  }
  const p = preset as Partial<PipelineConfig>;
  const d = DEFAULT_PIPELINE_CONFIG;
  const merge = <K extends keyof PipelineConfig>(k: K): PipelineConfig[K] => {
    const a = d[k];
    const vals = [p[k], overrides[k]].filter((v) => v !== undefined);
    if (a && typeof a === 'object' && !Array.isArray(a)) return Object.assign({}, a, ...vals) as PipelineConfig[K];
    return (vals.length ? vals[vals.length - 1] : a) as PipelineConfig[K];
  };
  const config = Object.fromEntries(SECTIONS.map((k) => [k, merge(k)])) as unknown as PipelineConfig;
  config.pairs = { ...d.pairs, ...p.pairs, ...overrides.pairs };
  config.model = { ...d.model, ...p.model, ...overrides.model };
  if (!Number.isInteger(config.seed)) throw new Error(`pipeline.seed must be an integer, got ${JSON.stringify(config.seed)}`);
  if (typeof config.name !== 'string' || !config.name) throw new Error('pipeline.name must be a non-empty string');
  if (typeof config.control !== 'boolean') throw new Error(`pipeline.control must be a boolean, got ${JSON.stringify(config.control)}`);
  if (config.controlWeight !== null && !(typeof config.controlWeight === 'number' && config.controlWeight > 0 && Number.isFinite(config.controlWeight))) {
    throw new Error(`pipeline.controlWeight must be null or a number > 0, got ${JSON.stringify(config.controlWeight)}`);
  }
  if (typeof config.useStartModel !== 'boolean') throw new Error(`pipeline.useStartModel must be a boolean, got ${JSON.stringify(config.useStartModel)}`);
  if (!(config.model.preset in MODEL_PRESETS)) throw new Error(`pipeline.model.preset must be one of ${Object.keys(MODEL_PRESETS).join(', ')}, got ${JSON.stringify(config.model.preset)}`);
  if (!Number.isInteger(config.tokenizer.vocabSize) || config.tokenizer.vocabSize < 300) throw new Error(`pipeline.tokenizer.vocabSize must be an integer >= 300, got ${JSON.stringify(config.tokenizer.vocabSize)}`);
  const e = config.eval;
  if (!Number.isInteger(e.maxNewTokens) || e.maxNewTokens < 1) throw new Error(`pipeline.eval.maxNewTokens must be an integer >= 1, got ${JSON.stringify(e.maxNewTokens)}`);
  if (!Number.isInteger(e.batchSize) || e.batchSize < 1) throw new Error(`pipeline.eval.batchSize must be an integer >= 1, got ${JSON.stringify(e.batchSize)}`);
  if (!Number.isInteger(e.limit) || e.limit < 0) throw new Error(`pipeline.eval.limit must be an integer >= 0, got ${JSON.stringify(e.limit)}`);
  if (!Number.isInteger(config.pairs.prompts) || config.pairs.prompts < 1) throw new Error(`pipeline.pairs.prompts must be an integer >= 1, got ${JSON.stringify(config.pairs.prompts)}`);
  const s = config.seed;
  const { exclude, ...dataSettings } = config.data;
  const dpo = resolveDpoConfig({ ...config.dpo, seed: s + 2 });
  const loop = resolveLoopConfig(config.loop);
  if (loop.rftAnchor && !(dpo.anchorWeight > 0)) throw new Error('pipeline.loop.rftAnchor gives RFT the DPO arms\' SFT anchor, but dpo.anchorWeight is 0: set dpo.anchorWeight > 0 or rftAnchor false');
  const withControl = config.control || (loop.rounds > 0 && loop.arms.includes('control'));
  return {
    config,
    data: resolveDataConfig({ ...dataSettings, seed: DATA_SEED_OFFSET + s }),
    dataExclude: resolveDataExclude(exclude),
    sft: resolveSftConfig({ ...config.sft, seed: s }),
    pairsToken: resolvePreferenceConfig({ ...config.pairs.token, mode: 'token', seed: s + 1 }),
    pairsSequence: resolvePreferenceConfig({ ...config.pairs.sequence, mode: 'sequence', seed: s + 1 }),
    dpo,
    dpoControl: withControl ? resolveDpoConfig({ ...dpo, lossType: 'nll', lossWeights: [], rpoAlpha: config.controlWeight ?? controlNllWeight(dpo) }) : null,
    loop,
  };
}

/** The control's NLL weight: the one TTPA's loss gives the chosen side (rpoAlpha plus any 'sft' term), or 1 when it gives none. */
function controlNllWeight(dpo: DpoConfig): number {
  const w = dpo.rpoAlpha + lossTerms(dpo).filter((t) => t.type === 'sft').reduce((a, t) => a + t.weight, 0);
  return w > 0 ? w : 1;
}
