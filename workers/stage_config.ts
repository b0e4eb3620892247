// Resolves and validates each engine stage's config from plain-JSON overrides, using core's resolvers,
// so the page can show the full config and the error naming the bad field while the user edits.
import { resolveModelConfig } from '../src/core/model/config.ts';
import { resolvePreferenceConfig } from '../src/core/preference/config.ts';
import { resolveSftConfig, type SftConfig } from '../src/core/train/config.ts';
import { resolveDpoConfig, type DpoConfig } from '../src/core/train/dpo_config.ts';
import { checkReplicaCount } from '../src/core/train/data_parallel.ts';
import { dpoSplittable } from '../src/core/train/dpo.ts';
import type { EngineStage } from '../src/protocol.ts';
import demo from '../models/presets/demo.json';

type Json = Record<string, unknown>;

/**
 * The tuned settings every DPO and Pairs run starts from: the demo preset's (models/presets/demo.json).
 * Core's bare defaults (lr 5e-5, 60 steps) are for the CLI; in the app, lr 1e-3 drove the shipped model to
 * refuse (no_call 0% -> 20%, KL ~960), so the panels start from the settings EXPERIMENTS.md measured.
 */
export const TUNED = { dpo: demo.dpo as Json, pairs: { maxPrompts: demo.pairs.prompts, ...demo.pairs.token } as Json };

/** Settings the app adds around core's configs (how much of the dataset a stage uses). */
const APP_DEFAULTS: Record<EngineStage, Json> = {
  /** tokenizerVocab 0: the shipped default's tokenizer; >= 300: a fresh one of that size. */
  model: { preset: 'tiny', seed: 0, overrides: {}, tokenizerVocab: 0 },
  /** replicas: data-parallel replicas of the run (Web Workers, one wasm thread each; 1: the engine alone). */
  sft: { replicas: 1 },
  pairs: { maxPrompts: TUNED.pairs.maxPrompts },
  /** rounds 1: one DPO run on the Pairs stage's pairs; more: on-policy rounds (loop_job.ts), each evaluated on valSamples. */
  dpo: { rounds: 1, valSamples: 40, replicas: 1 },
  /**
   * callBias: nats added to <tool_call>'s log-prob at each turn's first token (0: plain greedy; ttpa calibrate chooses
   * one). callThreshold 'validation': each evaluated model gets its own bias, the one with the lowest error on up to
   * calibrateSamples validation conversations (calibrate_job.ts), instead of callBias. passAtK k > 0: each evaluated
   * model is also sampled k times a turn at passTemperature (pass_at_k_job.ts), its headroom line; 0 = off.
   */
  evaluate: { maxSamples: 16, maxNewTokens: 96, batchSize: 4, seed: 0, callBias: 0, callThreshold: 'fixed', calibrateSamples: 100, passAtK: 0, passTemperature: 0.7 },
};

function take(stage: EngineStage, overrides: Json): { app: Json; rest: Json } {
  const app: Json = {};
  const rest: Json = {};
  for (const [k, v] of Object.entries(overrides)) (k in APP_DEFAULTS[stage] ? app : rest)[k] = v;
  return { app: { ...APP_DEFAULTS[stage], ...app }, rest };
}

const positiveInt = (scope: string, key: string, v: unknown): void => {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${scope}.${key} must be an integer >= 1, got ${JSON.stringify(v)}`);
};

/**
 * `replicas` checked as core checks a data-parallel count (data_parallel.ts), named as the app's setting: the
 * batches must be shareable by it, and LoRA and the SFT anchor train in one replica (as `ttpa sft/dpo --replicas`).
 */
function checkReplicas(scope: 'sft' | 'dpo', replicas: unknown, cfg: { batchSize: number; gradAccumSteps: number; adapter?: string; anchorWeight?: number }, splittable: boolean): number {
  positiveInt(scope, 'replicas', replicas);
  const n = replicas as number;
  if (n > 1 && cfg.adapter === 'lora') throw new Error(`${scope}.replicas ${n}: data-parallel replicas train full weights; LoRA (adapter "lora") trains in one replica, so set replicas to 1 or adapter to "full"`);
  if (n > 1 && (cfg.anchorWeight ?? 0) > 0) throw new Error(`${scope}.replicas ${n}: the SFT anchor (anchorWeight ${cfg.anchorWeight}) trains in one replica, so set replicas to 1 or anchorWeight to 0`);
  try {
    checkReplicaCount(n, cfg.batchSize, cfg.gradAccumSteps, splittable);
  } catch (err) {
    throw new Error(`${scope}.replicas: ${(err as Error).message}`);
  }
  return n;
}

/** An SFT request's config split into the app's replica count and core's SFT config. */
export function splitSftConfig(config: Json): { replicas: number; sft: SftConfig } {
  const { app, rest } = take('sft', config);
  const sft = resolveSftConfig(rest as Partial<SftConfig>);
  return { replicas: checkReplicas('sft', app.replicas, sft, true), sft };
}

/** A DPO request's config split into the app's round and replica settings and core's DPO config (no tuned values added). */
export function splitDpoConfig(config: Json): { rounds: number; valSamples: number; replicas: number; dpo: DpoConfig } {
  const { app, rest } = take('dpo', config);
  positiveInt('dpo', 'rounds', app.rounds);
  positiveInt('dpo', 'valSamples', app.valSamples);
  const dpo = resolveDpoConfig(rest as Partial<DpoConfig>);
  return { rounds: app.rounds as number, valSamples: app.valSamples as number, replicas: checkReplicas('dpo', app.replicas, dpo, dpoSplittable(dpo)), dpo };
}

export function resolveStageConfig(stage: EngineStage, overrides: Json = {}): Json {
  const { app, rest } = take(stage, overrides);
  switch (stage) {
    case 'model': {
      for (const k of Object.keys(rest)) throw new Error(`model.${k} is not a known setting (use model.overrides for config.json fields)`);
      if (typeof app.preset !== 'string') throw new Error(`model.preset must be a string, got ${JSON.stringify(app.preset)}`);
      if (!Number.isInteger(app.seed)) throw new Error(`model.seed must be an integer, got ${JSON.stringify(app.seed)}`);
      const v = app.tokenizerVocab;
      if (!Number.isInteger(v) || (v !== 0 && (v as number) < 300)) throw new Error(`model.tokenizerVocab must be 0 (the shipped tokenizer) or an integer >= 300, got ${JSON.stringify(v)}`);
      resolveModelConfig(app.preset, app.overrides as Json);
      return app;
    }
    case 'sft': {
      const { sft, ...replicas } = splitSftConfig(overrides);
      return { ...replicas, ...(sft as unknown as Json) };
    }
    case 'dpo': {
      const { dpo, ...rounds } = splitDpoConfig({ ...TUNED.dpo, ...overrides });
      return { ...rounds, ...(dpo as unknown as Json) };
    }
    case 'pairs':
      positiveInt('pairs', 'maxPrompts', app.maxPrompts);
      const { maxPrompts: _, ...tuned } = TUNED.pairs;
      return { ...app, ...(resolvePreferenceConfig({ ...tuned, ...rest }) as unknown as Json) };
    case 'evaluate':
      for (const k of Object.keys(rest)) throw new Error(`evaluate.${k} is not a known setting`);
      positiveInt('evaluate', 'maxSamples', app.maxSamples);
      positiveInt('evaluate', 'maxNewTokens', app.maxNewTokens);
      positiveInt('evaluate', 'batchSize', app.batchSize);
      if (!Number.isInteger(app.seed)) throw new Error(`evaluate.seed must be an integer, got ${JSON.stringify(app.seed)}`);
      if (typeof app.callBias !== 'number' || !Number.isFinite(app.callBias)) throw new Error(`evaluate.callBias must be a number (nats; 0 = plain greedy), got ${JSON.stringify(app.callBias)}`);
      if (app.callThreshold !== 'fixed' && app.callThreshold !== 'validation') throw new Error(`evaluate.callThreshold must be 'fixed' (callBias as set) or 'validation' (each model's bias set on validation), got ${JSON.stringify(app.callThreshold)}`);
      if (app.callThreshold === 'validation' && app.callBias !== 0) throw new Error(`evaluate.callBias must be 0 with callThreshold 'validation' (each model's bias is set on validation), got ${app.callBias}`);
      positiveInt('evaluate', 'calibrateSamples', app.calibrateSamples);
      if (!Number.isInteger(app.passAtK) || app.passAtK === 1 || (app.passAtK as number) < 0 || (app.passAtK as number) > 64) throw new Error(`evaluate.passAtK must be 0 (off) or an integer from 2 to 64 (samples a turn), got ${JSON.stringify(app.passAtK)}`);
      if (typeof app.passTemperature !== 'number' || !(app.passTemperature > 0) || app.passTemperature > 10) throw new Error(`evaluate.passTemperature must be a number > 0 and <= 10, got ${JSON.stringify(app.passTemperature)}`);
      return app;
  }
}
