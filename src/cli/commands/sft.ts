// `ttpa sft`: supervised fine-tuning from a JSONL file of Samples into HF checkpoint folders + metrics.jsonl.
// Argument parsing and file I/O only; the training itself is src/core/train/sft.ts.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { resolveModelConfig, MODEL_PRESETS } from '../../core/model/config.ts';
import { createModel, disposeModel, type Model } from '../../core/model/params.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { checkpointFiles, loadCheckpoint } from '../../core/runtime/checkpoint.ts';
import { loadTokenizer, type Tokenizer } from '../../core/tokenizer/tokenizer.ts';
import { resolveSftConfig, type SftConfig } from '../../core/train/config.ts';
import { DEFAULT_GUARD, resolveGuardConfig, type GuardConfig } from '../../core/train/guard.ts';
import { modelPolicy } from '../../core/train/policy.ts';
import { encodeSamples, parseSamplesJsonl } from '../../core/train/sft_data.ts';
import { runSft } from '../../core/train/sft.ts';
import type { ResumeFrom } from '../../core/train/trainer.ts';
import { bool, GRADIENT_CHECKPOINTING_OPTION, optNum, optStr, str, UsageError, type Command, type ParsedArgs } from '../args.ts';
import { describeRun, REPLICAS_OPTION, replicasOption, runtimeThreads, THREADS_OPTION } from '../threads.ts';
import { startReplicaPool, type ReplicaPool } from '../replica_pool.ts';
import { checkReplicaCount } from '../../core/train/data_parallel.ts';
import { sftReplicaSpec } from '../../core/train/replica.ts';
import { checkBatchMemory } from '../batch_memory.ts';
import { checkResumeInputs, checkResumeSettings, fileDigest, keepMetricsUpTo, newestCompleteCheckpoint, saveCheckpoint, writeRunManifest, type RunManifest } from '../checkpoints.ts';
import { dirSource, readInputText } from '../files.ts';
import { checkNotInput, OVERWRITE_OPTION, openRunFolder } from '../run_folder.ts';

/** CLI flag -> SftConfig field; unset flags keep the default (or, with --resume, the saved value). */
const FLAGS: [string, keyof SftConfig, 'number' | 'int'][] = [
  ['steps', 'steps', 'int'], ['batch-size', 'batchSize', 'int'], ['grad-accum', 'gradAccumSteps', 'int'],
  ['lr', 'lr', 'number'], ['lr-min-ratio', 'lrMinRatio', 'number'], ['warmup', 'warmupSteps', 'int'],
  ['weight-decay', 'weightDecay', 'number'], ['max-grad-norm', 'maxGradNorm', 'number'], ['seq-len', 'seqLen', 'int'],
  ['seed', 'seed', 'int'], ['checkpoint-every', 'checkpointEvery', 'int'],
];

export const sftCommand: Command = {
  name: 'sft',
  summary: 'supervised fine-tuning on a JSONL file of samples (checkpoints + metrics.jsonl)',
  options: [
    { name: 'data', type: 'string', help: 'training samples, one JSON Sample per line', required: true },
    { name: 'out', type: 'string', help: 'output folder: checkpoint-<step>/ folders and metrics.jsonl', required: true },
    { name: 'model', type: 'string', help: 'start from this HF checkpoint folder (model + tokenizer)' },
    { name: 'preset', type: 'string', help: 'start from a fresh model of this preset (needs --tokenizer)', choices: Object.keys(MODEL_PRESETS) },
    { name: 'tokenizer', type: 'string', help: 'folder with tokenizer.json (+ tokenizer_config.json) for --preset' },
    { name: 'resume', type: 'boolean', help: 'continue from the newest complete checkpoint in --out (same data and settings; --steps may grow)' },
    ...FLAGS.map(([flag, field, type]) => ({ name: flag, type, help: `sft.${field}` })),
    { name: 'train-on', type: 'string', help: 'tokens that carry loss', choices: ['assistant', 'all'] },
    { name: 'bucket', type: 'boolean', help: 'batch samples of similar length together' },
    GRADIENT_CHECKPOINTING_OPTION,
    { name: 'max-loss-ratio', type: 'number', help: `stop when the loss exceeds this many times the first (guard, default ${DEFAULT_GUARD.maxLossRatio})` },
    { name: 'max-weight-norm-ratio', type: 'number', help: `stop when the weight norm exceeds this many times the start (guard, default ${DEFAULT_GUARD.maxWeightNormRatio})` },
    OVERWRITE_OPTION,
    { name: 'backend', type: 'string', help: 'tfjs backend', choices: ['wasm', 'cpu'], default: 'wasm' },
    THREADS_OPTION,
    REPLICAS_OPTION,
  ],
  run,
};

async function run(args: ParsedArgs): Promise<number> {
  const out = str(args, 'out');
  const resuming = bool(args, 'resume');
  if (!resuming && !optStr(args, 'model') && !optStr(args, 'preset')) throw new UsageError('give --model <checkpoint folder> or --preset <name> (or --resume)');
  if (optStr(args, 'model') && optStr(args, 'preset')) throw new UsageError('give either --model or --preset, not both');
  if (resuming && (optStr(args, 'model') || optStr(args, 'preset'))) throw new UsageError('--resume continues from --out; do not give --model or --preset');
  if (optStr(args, 'preset') && !optStr(args, 'tokenizer')) throw new UsageError('--preset needs --tokenizer <folder with tokenizer.json>');
  const dataPath = str(args, 'data');
  if (!existsSync(dataPath)) throw new UsageError(`--data ${dataPath} does not exist`);
  checkNotInput(out, [dataPath, optStr(args, 'model'), optStr(args, 'tokenizer')]);
  const flagConfig = configFlags(args);
  resolveSftConfig(flagConfig); // fail on bad values before loading anything
  const guard = resolveGuardConfig(guardFlags(args));
  const folder = openRunFolder(out, { resume: resuming, overwrite: bool(args, 'overwrite') });
  const manifest: RunManifest = { command: 'sft', inputs: { data: fileDigest(dataPath) } };
  if (resuming) checkResumeInputs(out, manifest);
  const replicas = replicasOption(args);
  const backend = await initBackend({ order: [str(args, 'backend') as BackendName], threads: runtimeThreads(args) });
  if (replicas === 1) console.log(`backend: ${describeRun(backend)}`);

  const start = resuming ? await loadLatest(out) : await loadStart(args);
  const { model, tokenizer } = start;
  let pool: ReplicaPool | undefined;
  try {
    if (start.resume) checkResumeSettings(start.resume.state.config as unknown as Record<string, unknown>, flagConfig, 'sft');
    const config = resolveSftConfig({ ...(start.resume?.state.config as Partial<SftConfig> | undefined), ...flagConfig });
    if (model.config.model_type === 'gpt2' && config.seqLen > model.config.max_position_embeddings) {
      throw new UsageError(`--seq-len ${config.seqLen} exceeds the model's max_position_embeddings ${model.config.max_position_embeddings}`);
    }
    checkReplicaCount(replicas, config.batchSize, config.gradAccumSteps, true);
    checkBatchMemory(config.batchSize, config.seqLen, model.config.vocab_size, `--batch-size ${config.batchSize} with --seq-len ${config.seqLen}`);
    const name = optStr(args, 'model') ? `model ${optStr(args, 'model')}` : optStr(args, 'preset') ? `preset ${optStr(args, 'preset')}` : `the checkpoint in ${out}`;
    const policy = modelPolicy(model, config, name); // the memory plan refuses before anything is written
    const samples = parseSamplesJsonl(readInputText(dataPath), dataPath);
    const encoded = encodeSamples(samples, tokenizer, config);
    console.log(`data: ${samples.length} samples, ${encoded.truncated} truncated to ${config.seqLen} tokens, ${encoded.dropped} dropped (nothing to train)`);
    if (!encoded.samples.length) throw new Error(`${dataPath}: no sample has a trainable token`);

    if (replicas > 1) {
      pool = await startReplicaPool(await sftReplicaSpec(model, { data: encoded.samples, config, padTokenId: tokenizer.padTokenId }), { workers: replicas - 1, backend: backend.backend, threads: backend.threads });
      console.log(`backend: ${describeRun(backend, pool)}`);
    }
    mkdirSync(folder.dir, { recursive: true });
    if (!resuming) writeRunManifest(folder.dir, manifest);
    const metricsPath = join(folder.dir, 'metrics.jsonl');
    if (start.resume) keepMetricsUpTo(metricsPath, start.resume.state.step, console.error);
    const result = await runSft({
      policy, data: encoded.samples, config, padTokenId: tokenizer.padTokenId,
      modelFiles: () => checkpointFiles(model, tokenizer),
      resume: start.resume,
      replicas: pool,
      hooks: {
        guard,
        onStep: (m) => {
          appendFileSync(metricsPath, JSON.stringify(m) + '\n');
          if (m.step === 1 || m.step % 10 === 0 || m.step === config.steps) {
            console.log(`step ${m.step}/${config.steps} loss ${m.loss.toFixed(4)} lr ${m.lr.toExponential(2)} grad_norm ${m.grad_norm.toFixed(3)} ${Math.round(m.tokens_per_sec)} tok/s ${m.step_ms.toFixed(0)} ms/step`);
          }
        },
        saveCheckpoint: async (name, files) => saveCheckpoint(folder.dir, name, files),
      },
    });
    folder.commit();
    console.log(`done: ${result.state.step} steps, last checkpoint ${result.lastCheckpoint ? join(out, basename(result.lastCheckpoint)) : '(none)'}`);
    return 0;
  } catch (err) {
    const note = folder.abandon();
    if (note && err instanceof Error) err.message += note;
    throw err;
  } finally {
    await pool?.close();
    disposeModel(model);
  }
}

/** Divergence-guard limits given on the command line. */
function guardFlags(args: ParsedArgs): Partial<GuardConfig> {
  return { maxLossRatio: optNum(args, 'max-loss-ratio'), maxWeightNormRatio: optNum(args, 'max-weight-norm-ratio') };
}

/** SftConfig fields given on the command line (unset flags are absent). */
function configFlags(args: ParsedArgs): Partial<SftConfig> {
  const overrides: Record<string, unknown> = {};
  for (const [flag, field] of FLAGS) if (optNum(args, flag) !== undefined) overrides[field] = optNum(args, flag);
  if (optStr(args, 'train-on')) overrides.trainOn = optStr(args, 'train-on');
  if (args.bucket !== undefined) overrides.bucketByLength = bool(args, 'bucket');
  if (optStr(args, 'gradient-checkpointing')) overrides.gradientCheckpointing = optStr(args, 'gradient-checkpointing');
  return overrides as Partial<SftConfig>;
}

interface Start {
  model: Model;
  tokenizer: Tokenizer;
  resume?: ResumeFrom;
}

async function loadStart(args: ParsedArgs): Promise<Start> {
  const modelDir = optStr(args, 'model');
  if (modelDir) return loadCheckpoint(dirSource(modelDir));
  const tokDir = dirSource(str(args, 'tokenizer'));
  const tokenizer = loadTokenizer(await tokDir.readText('tokenizer.json'), tokDir.has('tokenizer_config.json') ? await tokDir.readText('tokenizer_config.json') : undefined);
  const seed = optNum(args, 'seed') ?? 0;
  return { model: createModel(resolveModelConfig(str(args, 'preset'), { vocab_size: tokenizer.vocabSize }), seed), tokenizer };
}

/** The newest complete checkpoint-<step> folder in `out`, with its optimizer and trainer state. */
async function loadLatest(out: string): Promise<Start> {
  const point = await newestCompleteCheckpoint(out, (src) => loadCheckpoint(src), console.error);
  console.log(`resuming from ${point.dir} (step ${point.state.step})`);
  return { ...point.loaded, resume: { state: point.state, optimizer: point.optimizer, checkpoint: point.dir } };
}
