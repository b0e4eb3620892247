// `ttpa pipeline`: the whole TTPA job from a preset (models/presets/<name>.json) into a run folder, one seed
// or several (`--seeds 1,2,3`, each in seed-<n>/ plus an aggregate report). Stages skip when up to date.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePipelineConfig, type ResolvedPipeline } from '../../core/pipeline/config.ts';
import { runLoop } from '../../core/pipeline/loop.ts';
import { ARM_NAMES, type ArmName } from '../../core/pipeline/loop_config.ts';
import { aggregateLoopReports, type LoopReport } from '../../core/pipeline/loop_report.ts';
import type { PipelineEnv } from '../../core/pipeline/stages.ts';
import { runPipeline, type StageName } from '../../core/pipeline/pipeline.ts';
import { aggregateReports, type PipelineReport } from '../../core/pipeline/report.ts';
import type { RunStore } from '../../core/pipeline/store.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { optNum, optStr, str, UsageError, type Command, type ParsedArgs } from '../args.ts';
import { coresForThreads, describeBackend, REPLICAS_OPTION, replicasOption, THREADS_OPTION, threadsOption } from '../threads.ts';
import { startReplicaPool } from '../replica_pool.ts';
import type { ReplicaHost } from '../../core/train/replica.ts';
import { dirSource, readJsonFile, writeFiles } from '../files.ts';
import { exitDescription, runTtpa } from '../ttpa_child.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PRESET_DIR = join(REPO, 'models/presets');
export const DEFAULT_MODEL_DIR = join(REPO, 'models/default');
const UNTIL: StageName[] = ['data', 'sft', 'eval-sft', 'pairs', 'dpo', 'eval', 'report'];

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary: 'data -> SFT -> eval -> token/sequence pairs -> DPO -> eval -> report, resumable per stage',
  options: [
    { name: 'preset', type: 'string', help: 'preset name in models/presets/ or a path to a preset JSON file', default: 'demo' },
    { name: 'out', type: 'string', help: 'run folder (stages, report.json, report.md)', required: true },
    { name: 'seed', type: 'int', help: 'run seed (overrides the preset)' },
    { name: 'seeds', type: 'string', help: 'comma-separated seeds: runs each in <out>/seed-<n>/ and aggregates' },
    { name: 'until', type: 'string', help: 'single-round presets: stop after this stage', choices: UNTIL },
    { name: 'start-model', type: 'string', help: `SFT checkpoint to start from (default: ${DEFAULT_MODEL_DIR} if present; 'none' trains one)` },
    { name: 'backend', type: 'string', help: 'tfjs backend', choices: ['wasm', 'cpu'], default: 'wasm' },
    { name: 'jobs', type: 'int', help: 'loop presets: arms run in this many processes at once (the cores shared among them)', default: 1 },
    { ...THREADS_OPTION, help: 'wasm threads per process (default: TTPA_THREADS when set, else the cores available, divided among --jobs; 1 with --replicas)' },
    { ...REPLICAS_OPTION, help: 'data-parallel replicas of the SFT and full-weight DPO stages: N worker threads (per process with --jobs), one wasm thread each, while this thread combines their gradients and keeps its --threads for the other stages; same losses to float rounding (default 1)' },
    { name: 'checkpoint-every', type: 'int', help: 'loop presets: a round\'s training saves a checkpoint every N steps beside its stage, so a stopped run continues mid-round with the same result (0: none)', default: 25 },
    { name: 'arms', type: 'string', help: `loop presets: run only these arms (comma-separated, of ${ARM_NAMES.join(', ')}; dealt to --jobs processes); the report covers them when ttpa is one` },
  ],
  run,
};

export function loadPreset(nameOrPath: string): unknown {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : join(PRESET_DIR, `${nameOrPath}.json`);
  if (!existsSync(path)) throw new UsageError(`preset ${nameOrPath}: no file ${path}`);
  return readJsonFile(path, 'preset');
}

/** A RunStore over a folder: relative paths under `root`, atomic multi-file writes. */
export function folderStore(root: string): RunStore {
  const abs = (p: string): string => join(root, p);
  return {
    name: root,
    has: (p) => existsSync(abs(p)),
    readText: async (p) => readFileSync(abs(p), 'utf8'),
    readBytes: async (p) => new Uint8Array(readFileSync(abs(p))),
    writeFiles: async (dir, files) => writeFiles(abs(dir), files),
    source: (dir) => dirSource(abs(dir)),
    remove: async (p) => rmSync(abs(p), { recursive: true, force: true }),
  };
}

function parseSeeds(args: ParsedArgs): number[] | undefined {
  const s = optStr(args, 'seeds');
  if (!s) return undefined;
  const seeds = s.split(',').map((x) => Number(x.trim()));
  if (!seeds.length || seeds.some((x) => !Number.isInteger(x))) throw new UsageError(`--seeds must be comma-separated integers, got '${s}'`);
  return seeds;
}

async function run(args: ParsedArgs): Promise<number> {
  const out = str(args, 'out');
  const preset = loadPreset(str(args, 'preset'));
  const seeds = parseSeeds(args);
  if (seeds && optNum(args, 'seed') !== undefined) throw new UsageError('give --seed or --seeds, not both');
  const startArg = optStr(args, 'start-model');
  const startDir = startArg === 'none' ? undefined : startArg ?? (existsSync(join(DEFAULT_MODEL_DIR, 'model.safetensors')) ? DEFAULT_MODEL_DIR : undefined);
  const jobs = optNum(args, 'jobs') ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be an integer >= 1, got ${jobs}`);
  // Processes share the cores: each gets its share of wasm threads unless --threads says otherwise.
  const replicas = replicasOption(args);
  const threads = threadsOption(args) ?? (jobs > 1 ? Math.max(1, Math.floor(coresForThreads() / jobs)) : undefined);
  const backend = await initBackend({ order: [str(args, 'backend') as BackendName], threads });
  // The workers compute every share; this thread combines them and keeps its threads for sampling and evaluation.
  const replicaHost: ReplicaHost | undefined = replicas > 1
    ? { replicas, start: (spec) => startReplicaPool(spec, { workers: replicas, backend: backend.backend, threads: 1, localShare: false }) }
    : undefined;
  const dataParallel = replicaHost ? `; training stages over ${replicas} data-parallel replicas (${replicas} worker threads, 1 wasm thread each)` : '';
  console.log(`backend: ${describeBackend(backend)}${dataParallel}; start model: ${startDir ?? '(none: the pipeline trains its own SFT model)'}`);
  const checkpointEvery = optNum(args, 'checkpoint-every') ?? 25;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0) throw new UsageError(`--checkpoint-every must be an integer >= 0, got ${checkpointEvery}`);
  const until = (optStr(args, 'until') ?? 'report') as StageName;
  const onlyArms = parseArms(args);
  const runOne = async (seed: number | undefined, root: string): Promise<PipelineReport | LoopReport | undefined> => {
    const r = resolvePipelineConfig(preset, seed === undefined ? {} : { seed });
    mkdirSync(root, { recursive: true });
    const env = { ...folderEnv(root, startDir), replicas: replicaHost, checkpointEvery };
    if (r.loop.rounds > 0 && optStr(args, 'until')) throw new UsageError(`--until is for single-round presets; ${r.config.name} is a loop (its stages resume on their own)`);
    if (r.loop.rounds > 0) return runLoopCli(env, r, root, { jobs, onlyArms, argv: args, startArg, threads, replicas });
    if (onlyArms) throw new UsageError(`--arms needs a preset with a loop (pipeline.loop.rounds >= 1); ${r.config.name} has none`);
    const report = await runPipeline(env, r, until);
    if (report) console.log(`seed ${r.config.seed}: error rate SFT ${pct(report.arms.sft.errorRate)}, sequence DPO ${pct(report.arms.sequence.errorRate)}, TTPA ${pct(report.arms.token.errorRate)}${report.arms.control ? `, control ${pct(report.arms.control.errorRate)}` : ''}; goal ${report.goal.met ? 'met' : 'not met'}; ${(report.wallMs / 60000).toFixed(1)} min`);
    return report;
  };
  if (!seeds) {
    await runOne(optNum(args, 'seed'), out);
    return 0;
  }
  const reports: (PipelineReport | LoopReport)[] = [];
  for (const seed of seeds) {
    const rep = await runOne(seed, join(out, `seed-${seed}`));
    if (rep) reports.push(rep);
  }
  if (reports.length) {
    const loops = reports.filter((x): x is LoopReport => 'kind' in x && x.kind === 'loop');
    const agg = loops.length ? aggregateLoopReports(loops[0].preset, loops) : aggregateReports(reports[0].preset, reports as PipelineReport[]);
    writeFiles(out, { 'report.json': JSON.stringify(agg.report, null, 2) + '\n', 'report.md': agg.markdown });
    console.log(`aggregate: ${join(out, 'report.md')}; goal met on every seed: ${agg.report.goalMetAllSeeds ? 'yes' : 'no'}`);
  }
  return 0;
}

function parseArms(args: ParsedArgs): ArmName[] | undefined {
  const s = optStr(args, 'arms');
  if (!s) return undefined;
  const arms = s.split(',').map((x) => x.trim()) as ArmName[];
  const bad = arms.find((a) => !ARM_NAMES.includes(a));
  if (bad) throw new UsageError(`--arms: unknown arm '${bad}' (arms: ${ARM_NAMES.join(', ')})`);
  return arms;
}

function folderEnv(root: string, startDir: string | undefined): PipelineEnv {
  const t0 = Date.now();
  let lastProgress = 0;
  const stamp = (): string => `[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s]`;
  return {
    store: folderStore(root),
    startModel: startDir ? dirSource(startDir) : undefined,
    events: {
      log: (line) => console.log(`${stamp()} ${line}`),
      progress: (stage, done, total) => {
        if (Date.now() - lastProgress > 15000 || done === total) {
          lastProgress = Date.now();
          console.log(`${stamp()} ${stage}: ${done}/${total}`);
        }
      },
    },
  };
}

/**
 * A loop preset: with --jobs N > 1 the shared stages run here, then the arms (those of --arms, else all) are dealt
 * to N child processes (each `ttpa pipeline ... --arms a,b` on the same run folder, each arm in its own folders),
 * then the report is built here from their finished stages (with --arms, of those arms: TTPA among them).
 */
async function runLoopCli(env: PipelineEnv, r: ResolvedPipeline, root: string, o: { jobs: number; onlyArms?: ArmName[]; argv: ParsedArgs; startArg?: string; threads?: number; replicas: number }): Promise<LoopReport | undefined> {
  const arms = o.onlyArms ?? r.loop.arms;
  const jobs = Math.min(o.jobs, arms.length);
  if (jobs > 1) {
    await runLoop(env, r, { sharedOnly: true });
    const groups = armGroups(arms, jobs);
    const common = ['pipeline', '--preset', str(o.argv, 'preset'), '--out', root, '--seed', String(r.config.seed), '--backend', str(o.argv, 'backend'), ...(o.startArg ? ['--start-model', o.startArg] : []), ...(o.threads ? ['--threads', String(o.threads)] : []), ...(o.replicas > 1 ? ['--replicas', String(o.replicas)] : []), '--checkpoint-every', String(env.checkpointEvery ?? 0)];
    await Promise.all(groups.map((g) => child([...common, '--arms', g.join(',')], g.join('+'))));
  }
  // Every stage is done when processes ran them: this builds the report (a child with TTPA wrote one of its arms).
  const report = await runLoop(env, r, o.onlyArms ? { arms: o.onlyArms } : {});
  if (report) {
    const arms = Object.entries(report.arms).map(([a, x]) => `${a} ${pct(x!.errorRate)}`).join(', ');
    console.log(`seed ${report.seed}: error rate start ${pct(report.start.errorRate)}, ${arms}; goal ${report.goal.met ? 'met' : 'not met'}; ${(report.wallMs / 60000).toFixed(1)} min of stages`);
  }
  return report;
}

/**
 * Arms dealt to `jobs` processes in turn (arm i to process i mod jobs): one each when there are enough. Their
 * costs are alike (each decodes its own pairs from round 2 and takes the same steps; round 1's pairs that arms
 * share are built here before dealing), so equal counts balance them: 4 arms on 2 processes go 2 and 2.
 */
export function armGroups(arms: ArmName[], jobs: number): ArmName[][] {
  const groups: ArmName[][] = Array.from({ length: Math.min(jobs, arms.length) }, () => []);
  arms.forEach((a, i) => groups[i % groups.length].push(a));
  return groups;
}

async function child(argv: string[], label: string): Promise<void> {
  const prefix = (buf: Buffer): string => buf.toString().split('\n').filter(Boolean).map((l) => `(${label}) ${l}\n`).join('');
  const r = await runTtpa(argv, { onStdout: (b) => process.stdout.write(prefix(b)), onStderr: (b) => process.stderr.write(prefix(b)) });
  if (r.code !== 0) throw new Error(`pipeline arms ${label} ${exitDescription(r)}`);
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
