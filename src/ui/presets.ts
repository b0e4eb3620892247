// Pipeline presets (models/presets/*.json, shared with `ttpa pipeline --preset`) mapped onto the
// stages' config overrides, so the UI can apply one and run every stage in order.
import classroom from '../../models/presets/classroom.json';
import demo from '../../models/presets/demo.json';
import tiny from '../../models/presets/tiny.json';
import type { StageName } from '../protocol.ts';

type Json = Record<string, unknown>;

/** The fields of a pipeline preset the app uses (see src/core/pipeline/config.ts for all). */
interface PipelinePreset {
  name: string;
  seed: number;
  data: Json;
  model: { preset: string; overrides?: Json };
  /** The vocabulary of the tokenizer a fresh model trains (used when the preset does not start from the shipped model). */
  tokenizer?: { vocabSize: number };
  /** Start from the shipped SFT model (models/default) and skip SFT. */
  useStartModel: boolean;
  sft: Json;
  pairs: { prompts: number; token?: Json };
  dpo: Json;
  eval: { maxNewTokens: number; batchSize: number; limit: number };
}

export const PRESETS: Record<string, PipelinePreset> = {
  classroom: classroom as unknown as PipelinePreset, tiny: tiny as unknown as PipelinePreset, demo: demo as unknown as PipelinePreset,
};

/**
 * Data seed = 1000 + run seed, as the CLI does (core/pipeline/config.ts DATA_SEED_OFFSET): the shipped model was
 * fine-tuned on seed-1 data, so a preset that starts from it must be tested on other samples.
 */
const DATA_SEED_OFFSET = 1000;

/** Overrides per stage for a preset; `skip` lists stages the preset does not run. */
export function presetStages(p: PipelinePreset): { configs: Partial<Record<StageName, Json>>; skip: StageName[]; useStartModel: boolean } {
  return {
    configs: {
      data: { ...p.data, seed: DATA_SEED_OFFSET + p.seed },
      model: { preset: p.model.preset, seed: p.seed, overrides: p.model.overrides ?? {}, tokenizerVocab: p.useStartModel ? 0 : p.tokenizer?.vocabSize ?? 0 },
      sft: p.sft,
      pairs: { maxPrompts: p.pairs.prompts, ...p.pairs.token },
      dpo: p.dpo,
      evaluate: { maxNewTokens: p.eval.maxNewTokens, batchSize: p.eval.batchSize, maxSamples: p.eval.limit || 100_000 },
    },
    skip: p.useStartModel ? ['sft'] : [],
    useStartModel: p.useStartModel,
  };
}
