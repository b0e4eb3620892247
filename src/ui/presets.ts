// Pipeline presets (models/presets/*.json, shared with `ttpa pipeline --preset`) mapped onto the
// stages' config overrides, so the UI can apply one and run every stage in order.
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
  /** Start from the shipped SFT model (models/default) and skip SFT. */
  useStartModel: boolean;
  sft: Json;
  pairs: { prompts: number; token?: Json };
  dpo: Json;
  eval: { maxNewTokens: number; batchSize: number; limit: number };
}

export const PRESETS: Record<string, PipelinePreset> = { tiny: tiny as unknown as PipelinePreset, demo: demo as unknown as PipelinePreset };

/** Overrides per stage for a preset; `skip` lists stages the preset does not run. */
export function presetStages(p: PipelinePreset): { configs: Partial<Record<StageName, Json>>; skip: StageName[]; useStartModel: boolean } {
  return {
    configs: {
      data: { ...p.data, seed: p.seed },
      model: { preset: p.model.preset, seed: p.seed, overrides: p.model.overrides ?? {} },
      sft: p.sft,
      pairs: { maxPrompts: p.pairs.prompts, ...p.pairs.token },
      dpo: p.dpo,
      evaluate: { maxNewTokens: p.eval.maxNewTokens, batchSize: p.eval.batchSize, maxSamples: p.eval.limit || 100_000 },
    },
    skip: p.useStartModel ? ['sft'] : [],
    useStartModel: p.useStartModel,
  };
}
