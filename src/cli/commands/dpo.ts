// `ttpa dpo`: DPO-family training of an HF checkpoint on preference pairs (JSONL, TRL conversational form),
// writing checkpoint-<step>/ folders, metrics.jsonl and the final model/ (LoRA merged). File I/O only.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { disposeModel, weightsOf } from '../../core/model/params.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { checkpointFiles, loadCheckpoint } from '../../core/runtime/checkpoint.ts';
import { resolveDpoConfig, type DpoConfig } from '../../core/train/dpo_config.ts';
import { parseDpoRecordsJsonl, planDpoStep, runDpoJob, selectDpoRecords, type DpoJobResume } from '../../core/train/dpo_run.ts';
import { PAIR_FILTERS, pairFilterNote } from '../../core/preference/pair_filter.ts';
import { ADAPTER_FILE } from '../../core/train/lora.ts';
import { DEFAULT_GUARD, resolveGuardConfig } from '../../core/train/guard.ts';
import { bool, GRADIENT_CHECKPOINTING_OPTION, optNum, optStr, str, UsageError, type Command, type ParsedArgs } from '../args.ts';
import { describeRun, REPLICAS_OPTION, replicasOption, runtimeThreads, THREADS_OPTION } from '../threads.ts';
import { startReplicaPool } from '../replica_pool.ts';
import { checkReplicaCount } from '../../core/train/data_parallel.ts';
import { parseSamplesJsonl } from '../../core/train/sft_data.ts';
import { dpoSplittable } from '../../core/train/dpo.ts';
import { anchorPerPair } from '../../core/train/anchor.ts';
import type { StartReplicas } from '../../core/train/replica.ts';
import { writeDirAtomic, writeFileAtomic } from '../atomic_write.ts';
import { checkBatchMemory } from '../batch_memory.ts';
import { checkResumeInputs, checkResumeSettings, fileDigest, keepMetricsUpTo, newestCompleteCheckpoint, saveCheckpoint, writeRunManifest, type RunManifest } from '../checkpoints.ts';
import { dirSource, readInputText, readJsonFile } from '../files.ts';
import { checkNotInput, OVERWRITE_OPTION, openRunFolder } from '../run_folder.ts';

const FLAGS: [string, keyof DpoConfig, 'number' | 'int'][] = [
  ['steps', 'steps', 'int'], ['batch-size', 'batchSize', 'int'], ['grad-accum', 'gradAccumSteps', 'int'],
  ['lr', 'lr', 'number'], ['lr-min-ratio', 'lrMinRatio', 'number'], ['warmup', 'warmupSteps', 'int'],
  ['weight-decay', 'weightDecay', 'number'], ['max-grad-norm', 'maxGradNorm', 'number'], ['seq-len', 'seqLen', 'int'],
  ['seed', 'seed', 'int'], ['checkpoint-every', 'checkpointEvery', 'int'], ['beta', 'beta', 'number'],
  ['label-smoothing', 'labelSmoothing', 'number'], ['esm-gamma', 'esmGamma', 'number'], ['rpo-alpha', 'rpoAlpha', 'number'],
  ['divergent-tokens', 'divergentTokens', 'int'], ['divergent-weight', 'divergentWeight', 'number'], ['dpop-lambda', 'dpopLambda', 'number'],
  ['anchor-weight', 'anchorWeight', 'number'], ['anchor-per-pair', 'anchorPerPair', 'int'],
  ['pair-warmup', 'pairWarmupSteps', 'int'],
  ['lora-rank', 'loraRank', 'int'], ['lora-alpha', 'loraAlpha', 'number'], ['ref-batch-size', 'refBatchSize', 'int'],
];

export const dpoCommand: Command = {
  name: 'dpo',
  summary: 'DPO-family preference training on pairs (JSONL) from an HF checkpoint',
  options: [
    { name: 'model', type: 'string', help: 'starting HF checkpoint folder (also the reference)', required: true },
    { name: 'pairs', type: 'string', help: 'preference pairs, TRL conversational JSONL (ttpa pairs output)', required: true },
    { name: 'out', type: 'string', help: 'output folder: checkpoint-<step>/, metrics.jsonl, model/', required: true },
    { name: 'config', type: 'string', help: 'JSON file of dpo settings (flags override it)' },
    { name: 'anchor', type: 'string', help: 'ground-truth samples JSONL (e.g. the prompts\' train split) for the SFT anchor; needs --anchor-weight > 0' },
    { name: 'resume', type: 'boolean', help: 'continue from the newest complete checkpoint in --out (same pairs, model and settings; --steps may grow)' },
    ...FLAGS.map(([flag, field, type]) => ({ name: flag, type, help: `dpo.${field}` })),
    { name: 'loss', type: 'string', help: "loss type (sigmoid, robust, hinge, ipo, esm, nll), or a comma list of terms summed as TRL's loss_type list, e.g. sigmoid,sft" },
    { name: 'loss-weights', type: 'string', help: 'comma-separated weight of each --loss term (TRL loss_weights)' },
    { name: 'esm-mode', type: 'string', help: 'esm loss: margin or weight', choices: ['margin', 'weight'] },
    { name: 'mask-prefix', type: 'boolean', help: 'only tokens after the shared chosen/rejected prefix count' },
    { name: 'pair-filter', type: 'string', help: 'dpo.pairFilter, which pairs to train on (by their ttpa metadata): all; correct-chosen (exact chosen call); error-fix (those correcting the policy: truth or a branch over its greedy output); base-rejected (error-fix less the truth walk: of token pairs, those rejecting what the policy itself decoded for the turn); one-per-turn (the largest-margin pair of each turn); in-turn (diverging inside a turn)', choices: PAIR_FILTERS },
    { name: 'adapter', type: 'string', help: 'full fine-tuning or LoRA adapters', choices: ['full', 'lora'] },
    { name: 'lora-targets', type: 'string', help: 'comma-separated weight names for LoRA (e.g. q_proj,v_proj)' },
    GRADIENT_CHECKPOINTING_OPTION,
    { name: 'max-loss-ratio', type: 'number', help: `stop when the loss exceeds this many times the first (guard, default ${DEFAULT_GUARD.maxLossRatio})` },
    { name: 'max-weight-norm-ratio', type: 'number', help: `stop when the weight norm exceeds this many times the start (guard, default ${DEFAULT_GUARD.maxWeightNormRatio})` },
    { name: 'max-kl', type: 'number', help: `stop when the per-token KL to the reference on the chosen tokens exceeds this (median of 5 steps; guard, default ${DEFAULT_GUARD.maxKl})` },
    OVERWRITE_OPTION,
    { name: 'backend', type: 'string', help: 'tfjs backend', choices: ['wasm', 'cpu'], default: 'wasm' },
    THREADS_OPTION,
    REPLICAS_OPTION,
  ],
  run,
};

export function dpoOverrides(args: ParsedArgs): Partial<DpoConfig> {
  const o: Partial<DpoConfig> = {};
  const config = optStr(args, 'config');
  if (config) Object.assign(o, readJsonFile(config, '--config') as Partial<DpoConfig>);
  for (const [flag, field] of FLAGS) if (optNum(args, flag) !== undefined) (o as Record<string, unknown>)[field] = optNum(args, flag);
  const loss = optStr(args, 'loss');
  if (loss) o.lossType = (loss.includes(',') ? loss.split(',').map((t) => t.trim()) : loss) as DpoConfig['lossType'];
  const weights = optStr(args, 'loss-weights');
  if (weights) o.lossWeights = weights.split(',').map((w) => Number(w.trim()));
  if (optStr(args, 'esm-mode')) o.esmMode = optStr(args, 'esm-mode') as DpoConfig['esmMode'];
  if (args['mask-prefix'] !== undefined) o.maskSharedPrefix = bool(args, 'mask-prefix');
  if (optStr(args, 'pair-filter')) o.pairFilter = optStr(args, 'pair-filter') as DpoConfig['pairFilter'];
  if (optStr(args, 'adapter')) o.adapter = optStr(args, 'adapter') as DpoConfig['adapter'];
  if (optStr(args, 'gradient-checkpointing')) o.gradientCheckpointing = optStr(args, 'gradient-checkpointing') as DpoConfig['gradientCheckpointing'];
  if (optStr(args, 'lora-targets')) o.loraTargets = optStr(args, 'lora-targets')!.split(',').map((s) => s.trim()).filter(Boolean);
  return o;
}

async function run(args: ParsedArgs): Promise<number> {
  const out = str(args, 'out');
  const pairsPath = str(args, 'pairs');
  const modelDir = str(args, 'model');
  const resuming = bool(args, 'resume');
  if (!existsSync(pairsPath)) throw new UsageError(`--pairs ${pairsPath} does not exist`);
  const anchorPath = optStr(args, 'anchor');
  if (anchorPath && !existsSync(anchorPath)) throw new UsageError(`--anchor ${anchorPath} does not exist`);
  checkNotInput(out, [pairsPath, modelDir, optStr(args, 'config'), anchorPath]);
  const overrides = dpoOverrides(args);
  const checked = resolveDpoConfig(overrides); // fail on bad values before touching --out
  if (checked.anchorWeight > 0 && !anchorPath) throw new UsageError(`--anchor-weight ${checked.anchorWeight} needs --anchor (ground-truth samples JSONL)`);
  if (anchorPath && !(checked.anchorWeight > 0)) throw new UsageError('--anchor needs --anchor-weight > 0');
  const guard = resolveGuardConfig({ maxLossRatio: optNum(args, 'max-loss-ratio'), maxWeightNormRatio: optNum(args, 'max-weight-norm-ratio'), maxKl: optNum(args, 'max-kl') });
  const folder = openRunFolder(out, { resume: resuming, overwrite: bool(args, 'overwrite') });
  const manifest: RunManifest = { command: 'dpo', inputs: { pairs: fileDigest(pairsPath), model: fileDigest(join(modelDir, 'config.json')), ...(anchorPath ? { anchor: fileDigest(anchorPath) } : {}) } };
  if (resuming) checkResumeInputs(out, manifest);
  const replicas = replicasOption(args);
  const backend = await initBackend({ order: [str(args, 'backend') as BackendName], threads: runtimeThreads(args) });
  if (replicas === 1) console.log(`backend: ${describeRun(backend)}`);
  const resume = resuming ? await loadResume(out) : undefined;
  if (resume) checkResumeSettings(resume.state.config as unknown as Record<string, unknown>, overrides, 'dpo');
  const config = resolveDpoConfig({ ...(resume?.state.config as Partial<DpoConfig> | undefined), ...overrides });
  if (replicas > 1 && config.adapter === 'lora') throw new UsageError('--replicas > 1 trains full weights over worker threads; LoRA (--adapter lora) runs in one replica');
  if (replicas > 1 && config.anchorWeight > 0) throw new UsageError('--replicas > 1 does not carry the SFT anchor (--anchor-weight > 0); run it in one replica (--threads still uses the cores)');
  checkReplicaCount(replicas, config.batchSize, config.gradAccumSteps, dpoSplittable(config));
  const startReplicas: StartReplicas | undefined = replicas > 1 ? async (spec) => {
    const pool = await startReplicaPool(spec, { workers: replicas - 1, backend: backend.backend, threads: backend.threads });
    console.log(`backend: ${describeRun(backend, pool)}`);
    return pool;
  } : undefined;
  const records = parseDpoRecordsJsonl(readInputText(pairsPath), pairsPath);
  if (!records.length) throw new UsageError(`--pairs ${pairsPath} has no pairs`);
  // Checked before anything is written (runDpoJob filters the same records again and reports the same count).
  const { filtered } = selectDpoRecords(records, config.pairFilter, pairsPath);
  console.log(`pairs: ${pairFilterNote(config.pairFilter, filtered.kept, filtered.of)}`);
  const anchor = anchorPath ? parseSamplesJsonl(readInputText(anchorPath), anchorPath) : undefined;
  if (anchor && !anchor.length) throw new UsageError(`--anchor ${anchorPath} has no samples`);
  const { model, tokenizer } = await loadCheckpoint(dirSource(modelDir));
  try {
    checkBatchMemory(2 * config.batchSize, config.seqLen, model.config.vocab_size, `--batch-size ${config.batchSize} with --seq-len ${config.seqLen}`);
    // The memory plan refuses before anything is written; with the anchor on the file counts (runDpoJob plans again on the encoded ones).
    const anchorCounts = anchor && config.anchorWeight > 0 ? { samples: anchor.length, pairs: filtered.kept } : undefined;
    if (anchorCounts) checkBatchMemory(config.batchSize * anchorPerPair(anchorCounts.samples, anchorCounts.pairs, config.anchorPerPair), config.seqLen, model.config.vocab_size, `--batch-size ${config.batchSize} with --seq-len ${config.seqLen} and ${anchorCounts.samples} anchor samples for ${anchorCounts.pairs} pairs`);
    planDpoStep(model, config, `model ${modelDir}`, anchorCounts);
    mkdirSync(folder.dir, { recursive: true });
    if (!resuming) writeRunManifest(folder.dir, { ...manifest, pairs: filtered });
    const metricsPath = join(folder.dir, 'metrics.jsonl');
    if (resume) keepMetricsUpTo(metricsPath, resume.state.step, console.error);
    writeFileAtomic(join(folder.dir, 'dpo_config.json'), JSON.stringify(config, null, 2) + '\n');
    const job = await runDpoJob({
      model, tokenizer, records, recordsName: pairsPath, config, resume, startReplicas, anchor,
      modelFiles: (m) => checkpointFiles(m, tokenizer),
      hooks: {
        guard,
        onReference: (done, total) => { if (done === total) console.log(`reference log-probs: ${total} pairs`); },
        onStep: (m) => {
          appendFileSync(metricsPath, JSON.stringify(m) + '\n');
          if (m.step === 1 || m.step % 10 === 0 || m.step === config.steps) {
            console.log(`step ${m.step}/${config.steps} loss ${m.loss.toFixed(4)} margin ${m['rewards/margins'].toFixed(3)} acc ${m['rewards/accuracies'].toFixed(2)} kl ${m.kl.toExponential(2)} ${m.step_ms.toFixed(0)} ms/step`);
          }
        },
        saveCheckpoint: async (name, files) => saveCheckpoint(folder.dir, name, files),
      },
    });
    console.log(`pairs: ${job.encoded.pairs} used, ${job.encoded.truncated} prompts truncated, ${job.encoded.dropped} dropped${job.encoded.anchor ? `; anchor: ${job.encoded.anchor} samples` : ''}`);
    writeDirAtomic(join(folder.dir, 'model'), await checkpointFiles(job.model, tokenizer, { 'dpo_config.json': config }));
    if (job.model !== model) disposeModel(job.model);
    folder.commit();
    console.log(`done: ${job.result.state.step} steps; model in ${join(out, 'model')}`);
    return 0;
  } catch (err) {
    const note = folder.abandon();
    if (note && err instanceof Error) err.message += note;
    throw err;
  } finally {
    disposeModel(model);
  }
}

async function loadResume(out: string): Promise<DpoJobResume> {
  const point = await newestCompleteCheckpoint(out, async (src) => {
    if (src.has(ADAPTER_FILE)) return { adapter: await src.read(ADAPTER_FILE) };
    const ck = await loadCheckpoint(src);
    const weights = weightsOf(ck.model);
    disposeModel(ck.model);
    return { weights };
  }, console.error);
  console.log(`resuming from ${point.dir} (step ${point.state.step})`);
  return { state: point.state, optimizer: point.optimizer, checkpoint: point.dir, ...point.loaded };
}
