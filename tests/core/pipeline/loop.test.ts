import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dirSource } from '../../../src/cli/files.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/core/data/sample.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { armDpoConfig, roundPrompts, warmupPrompts } from '../../../src/core/pipeline/arm_round.ts';
import { resolvePipelineConfig, type PipelineConfig } from '../../../src/core/pipeline/config.ts';
import { runLoop } from '../../../src/core/pipeline/loop.ts';
import { evaluateModel } from '../../../src/core/pipeline/evaluate_model.ts';
import { calibrationSamples } from '../../../src/core/pipeline/calibrate_stage.ts';
import { ARM_NAMES } from '../../../src/core/pipeline/loop_config.ts';
import type { LoopReport } from '../../../src/core/pipeline/loop_report.ts';
import { median } from '../../../src/core/bench/timing.ts';
import type { EvalReport } from '../../../src/core/scoring/evaluate.ts';
import { mcnemarExact, pairedOutcome } from '../../../src/core/scoring/significance.ts';
import { memoryStore } from '../../../src/core/pipeline/store.ts';
import { buildPairs } from '../../../src/core/preference/build_pairs.ts';
import { pairsToTrlJsonl } from '../../../src/core/preference/trl_export.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { checkpointFiles, loadCheckpoint } from '../../../src/core/runtime/checkpoint.ts';
import { parseDpoRecordsJsonl, runDpoJob } from '../../../src/core/train/dpo_run.ts';

const tiny = JSON.parse(readFileSync(new URL('../../../models/presets/tiny.json', import.meta.url), 'utf8'));
const loopPreset = (loop: Partial<PipelineConfig['loop']>, more: Partial<PipelineConfig> = {}): ReturnType<typeof resolvePipelineConfig> =>
  resolvePipelineConfig({ ...tiny, name: 'tiny-loop', ...more, loop: { rounds: 2, promptsPerRound: 3, valLimit: 2, ...loop } });
const text = (store: ReturnType<typeof memoryStore>, p: string): string => new TextDecoder().decode(store.files.get(p));
const jsonl = (s: string): Record<string, unknown>[] => s.split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('roundPrompts', () => {
  const train = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}` }) as Sample);

  it('gives each round its own slice of one seeded shuffle', () => {
    const ids = [0, 1, 2].map((k) => roundPrompts(train, k, 3, 5).map((s) => s.id));
    expect(new Set(ids.flat()).size).toBe(9);
    expect(roundPrompts(train, 1, 3, 5).map((s) => s.id)).toEqual(ids[1]);
    expect(roundPrompts(train, 0, 3, 6).map((s) => s.id)).not.toEqual(ids[0]);
  });

  it('names the shortfall when the train split is too small', () => {
    expect(() => roundPrompts(train, 3, 3, 5)).toThrow('loop: round 4 needs train samples 10-12, but the train split has 10; raise data.n or lower loop.promptsPerRound');
    expect(() => roundPrompts(train, 1, 3, 5, 5)).toThrow('loop: round 2 needs train samples 9-11, but the train split has 10; raise data.n or lower loop.promptsPerRound or loop.warmupSamples');
    expect(() => warmupPrompts(train, 11, 5)).toThrow('loop: the warm-up round needs train samples 1-11');
  });

  it('gives the warm-up round the first slice and the rounds the slices after it', () => {
    const warm = warmupPrompts(train, 4, 5).map((s) => s.id);
    const rounds = [0, 1].map((k) => roundPrompts(train, k, 3, 5, 4).map((s) => s.id));
    expect(new Set([...warm, ...rounds.flat()]).size).toBe(10);
    expect([...warm, ...rounds.flat()]).toEqual(roundPrompts(train, 0, 10, 5).map((s) => s.id));
  });
});

describe('calibrationSamples', () => {
  const train = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}` }) as Sample);
  const val = [{ id: 'v0' }, { id: 'v1' }] as Sample[];

  it('takes the validation split, then the train samples no round drew, the first calibrateSamples of them when set', () => {
    const r = loopPreset({ rounds: 2, promptsPerRound: 3, warmupSamples: 1 });
    const drawn = new Set([...warmupPrompts(train, 1, r.config.seed), ...roundPrompts(train, 0, 3, r.config.seed, 1), ...roundPrompts(train, 1, 3, r.config.seed, 1)].map((s) => s.id));
    const all = calibrationSamples(r, val, train).map((s) => s.id);
    expect(all.slice(0, 2)).toEqual(['v0', 'v1']);
    expect(all.length).toBe(5);
    for (const id of all.slice(2)) expect(drawn.has(id), id).toBe(false);
    const capped = loopPreset({ rounds: 2, promptsPerRound: 3, warmupSamples: 1, calibrateSamples: 3 });
    expect(calibrationSamples(capped, val, train).map((s) => s.id)).toEqual(all.slice(0, 3));
  });
});

describe('runLoop (tiny preset, 2 rounds)', () => {
  beforeAll(async () => {
    await initBackend({ order: ['wasm'] });
  });

  it('runs every arm for two rounds end to end, with fresh train prompts each round, and reports them', async () => {
    const store = memoryStore();
    const r = loopPreset({ arms: [...ARM_NAMES], passAtK: 2, passAtKLimit: 2, passAtKAllModels: true, rftSamples: 2 });
    const report = (await runLoop({ store, events: {} }, r)) as LoopReport;
    for (const arm of ARM_NAMES) {
      expect(store.has(`${arm}/model.safetensors`), arm).toBe(true);
      expect(store.has(`${arm}/config.json`), arm).toBe(true);
      expect(store.has(`eval/${arm}/report.json`), arm).toBe(true);
      expect(report.arms[arm]!.rounds.map((x) => x.round)).toEqual([1, 2]);
      expect(report.arms[arm]!.turns).toBe(report.start.turns);
      const [lo, hi] = report.arms[arm]!.ci;
      expect(lo).toBeLessThanOrEqual(report.arms[arm]!.errorRate);
      expect(hi).toBeGreaterThanOrEqual(report.arms[arm]!.errorRate);
    }
    expect(Object.keys(report.ttpaVs).sort()).toEqual(['control', 'rft', 'sequence', 'sft-continued']);
    for (const [a, o] of Object.entries(report.ttpaVs)) {
      const k = report.ttpaVsByTurn![a as keyof typeof report.ttpaVs]!;
      expect([k.call.turns + k.text.turns, k.call.aWins + k.text.aWins, k.call.bWins + k.text.bWins], a).toEqual([o!.turns, o!.aWins, o!.bWins]);
      expect(k.call.turns, a).toBeGreaterThan(0);
      expect(k.bothCall!.turns, a).toBeLessThanOrEqual(k.call.turns); // the call turns less those either side answered in text
    }
    expect(report.headroom).toMatchObject({ k: 2 });
    // passAtKAllModels: every final model sampled on the start's headroom turns, each read beside its own greedy turns
    const h = report.headroomAfter!;
    expect(Object.keys(h.models)).toEqual(['start', ...ARM_NAMES]);
    const turnsOf = (dir: string) => (JSON.parse(text(store, `${dir}/stage.json`)).summary.perTurn as { sampleId: string; turn: number }[]).map((t) => `${t.sampleId}/${t.turn}`);
    for (const arm of ARM_NAMES) expect(turnsOf(`headroom/${arm}`), arm).toEqual(turnsOf('headroom'));
    expect(h.models.start.greedy).toBeCloseTo(report.headroom!.greedyOnSameSamples!, 12);
    for (const [name, row] of Object.entries(h.models)) {
      expect(row.turns, name).toBe(report.headroom!.turns);
      expect(row.reachable, name).toBeLessThanOrEqual(row.greedyWrong);
      expect(row.greedyWrong, name).toBe(Math.round((1 - row.greedy) * row.turns));
      expect(row.passAtK, name).toBeGreaterThanOrEqual(row.reachable / row.turns);
    }
    expect(text(store, 'report.md')).toContain("## What each model's own samples can still reach (pass@2, T=0.7)");
    // pass@k of TTPA against each arm, counted here from the two stage records turn by turn
    const reached = (dir: string) => new Map((JSON.parse(text(store, `${dir}/stage.json`)).summary.perTurn as { sampleId: string; turn: number; exact: number }[]).map((t) => [`${t.sampleId}/${t.turn}`, t.exact > 0]));
    const ttpaReach = reached('headroom/ttpa');
    for (const arm of ARM_NAMES.filter((a) => a !== 'ttpa')) {
      const other = reached(`headroom/${arm}`);
      const only = (a: Map<string, boolean>, b: Map<string, boolean>) => [...a].filter(([key, r]) => r && !b.get(key)).length;
      expect(h.ttpaVs![arm], arm).toEqual({ turns: ttpaReach.size, aWins: only(ttpaReach, other), bWins: only(other, ttpaReach), p: mcnemarExact(only(ttpaReach, other), only(other, ttpaReach)) });
    }
    expect(text(store, 'report.md')).toContain("pass@2 of TTPA against each arm on the same turns (turns only TTPA's samples reach / only the arm's): control ");
    expect(text(store, 'report.md')).toContain('TTPA against each arm');
    expect(report.goal.armsNotRun).toEqual([]);
    expect([...store.files.keys()].filter((f) => f.startsWith('calibrate/'))).toEqual([]); // loop.calibrate is off by default
    expect(report.calibrated).toBeUndefined();
    expect(text(store, 'report.md')).toMatch(/; beats every arm: (yes|no)\.\n/);

    // prompts: round 1 and round 2 of an arm use disjoint train samples, never a test or validation sample
    const ids = (split: string): Set<string> => new Set(jsonl(text(store, `data/${split}.jsonl`)).map((s) => s.id as string));
    const [train, test, val] = [ids('train'), ids('test'), ids('val')];
    const used = (round: number): string[] => jsonl(text(store, `loop/sft-continued/round-${round}/targets.jsonl`)).map((t) => t.sampleId as string);
    const [r1, r2] = [new Set(used(1)), new Set(used(2))];
    expect(r1.size).toBeGreaterThan(0);
    expect(r2.size).toBeGreaterThan(0);
    for (const id of r2) expect(r1.has(id)).toBe(false);
    for (const id of [...r1, ...r2]) {
      expect(train.has(id)).toBe(true);
      expect(test.has(id) || val.has(id)).toBe(false);
    }
    // every arm draws the same prompts in a round
    const pairIds = new Set(jsonl(text(store, 'loop/ttpa/round-2/pairs.jsonl')).map((p) => (p.ttpa as { sample_id: string }).sample_id));
    for (const id of pairIds) expect(r2.has(id)).toBe(true);
  }, 300_000);

  it("builds round k's pairs with the round-k policy and uses the configured reference", async () => {
    const store = memoryStore();
    const r = loopPreset({ arms: ['ttpa'], reference: 'round' });
    await runLoop({ store, events: {} }, r);
    // the round-2 pairs are exactly those the round-1 model gives on round 2's prompts, not the start model's
    const train = jsonl(text(store, 'data/train.jsonl')) as unknown as Sample[];
    const prompts = roundPrompts(train, 1, 3, r.config.seed);
    const cfg = { ...r.pairsToken, seed: r.pairsToken.seed + 7919 };
    const pairsWith = async (dir: string): Promise<string> => {
      const { model, tokenizer } = await loadCheckpoint(store.source(dir));
      try {
        return pairsToTrlJsonl((await buildPairs(model, tokenizer, prompts, cfg)).pairs);
      } finally {
        disposeModel(model);
      }
    };
    const saved = text(store, 'loop/ttpa/round-2/pairs.jsonl');
    expect(saved.length).toBeGreaterThan(0);
    expect(await pairsWith('loop/ttpa/round-1/model')).toBe(saved);
    expect(await pairsWith('sft/model')).not.toBe(saved);
    // reference 'round': at step 1 the policy is its own reference, so the rewards are exactly 0
    const first = (s: ReturnType<typeof memoryStore>): Record<string, number> => jsonl(text(s, 'loop/ttpa/round-2/metrics.jsonl'))[0] as Record<string, number>;
    expect(first(store)['rewards/chosen']).toBe(0);
    // reference 'start': round 2 starts from the round-1 model but compares with the start model
    const anchored = memoryStore();
    await runLoop({ store: anchored, events: {} }, loopPreset({ arms: ['ttpa'], reference: 'start' }));
    expect(text(anchored, 'loop/ttpa/round-1/pairs.jsonl')).toBe(text(store, 'loop/ttpa/round-1/pairs.jsonl'));
    expect(Math.abs(first(anchored)['rewards/chosen'])).toBeGreaterThan(0);
  }, 300_000);

  it('with dpo.anchorWeight both DPO arms (TTPA and the control) train with the SFT anchor: nll/anchor on every step', async () => {
    const store = memoryStore();
    const r = loopPreset({ arms: ['ttpa', 'control'], rounds: 1 }, { dpo: { ...tiny.dpo, anchorWeight: 1 } });
    expect(r.dpo.anchorWeight).toBe(1);
    await runLoop({ store, events: {} }, r);
    for (const arm of ['ttpa', 'control']) {
      const metrics = jsonl(text(store, `loop/${arm}/round-1/metrics.jsonl`));
      expect(metrics.length, arm).toBeGreaterThan(0);
      for (const m of metrics) expect(m['nll/anchor'], arm).toBeGreaterThan(0);
    }
    // The report gives each round's anchor dose: auto is ceil(the round's samples / the pairs trained).
    const report = JSON.parse(text(store, 'report.json'));
    const q = report.arms.ttpa.rounds[0];
    const summary = JSON.parse(text(store, 'loop/ttpa/round-1/stage.json')).summary;
    expect(q.anchorPerPair).toBe(Math.ceil(summary.prompts / (summary.filtered?.kept ?? summary.items)));
    expect(text(store, 'report.md')).toContain(`${q.items} items, anchor ×${q.anchorPerPair})`);
    // Its loss and KL are the medians of the round's last steps, read back from its metrics file.
    const steps = jsonl(text(store, 'loop/ttpa/round-1/metrics.jsonl')).slice(-25);
    expect(q.tailSteps).toBe(25);
    expect(q.kl).toBe(median(steps.map((m) => m.kl as number)));
    expect(q.loss).toBe(median(steps.map((m) => m.loss as number)));
    expect(text(store, 'report.md')).toContain('## End of each round (median of its last 25 steps)');
    // dpo.anchorPerPair fixes it: a new stage (its hash differs), 3 anchor rows a pair in the report.
    const fixed = memoryStore();
    await runLoop({ store: fixed, events: {} }, loopPreset({ arms: ['ttpa', 'control'], rounds: 1 }, { dpo: { ...tiny.dpo, anchorWeight: 1, anchorPerPair: 3 } }));
    expect(JSON.parse(text(fixed, 'report.json')).arms.control.rounds[0].anchorPerPair).toBe(3);
    expect(JSON.parse(text(fixed, 'loop/ttpa/round-1/stage.json')).hash).not.toBe(JSON.parse(text(store, 'loop/ttpa/round-1/stage.json')).hash);
    expect(text(fixed, 'report.md')).toContain('3 anchor sample(s) with each pair or target (dpo.anchorPerPair)');
  }, 300_000);

  it("builds round 1's pairs once in the shared stages when several arms would build the same ones, and the arms reuse them", async () => {
    const store = memoryStore();
    const logs: string[] = [];
    const events = { log: (l: string) => logs.push(l) };
    // anchored: continued SFT is TTPA's job with the preference weighted 0, so it starts from the same pairs
    const r = loopPreset({ arms: ['ttpa', 'sft-continued'], rounds: 1 }, { dpo: { ...tiny.dpo, anchorWeight: 1 } });
    await runLoop({ store, events }, r, { sharedOnly: true });
    const shared = [...store.files.keys()].filter((f) => /^loop\/shared\/pairs-[^/]+\/pairs\.jsonl$/.test(f));
    expect(shared).toHaveLength(1);
    expect(logs.some((l) => l.endsWith("round 1's pairs, built once for ttpa, sft-continued"))).toBe(true);
    await runLoop({ store, events }, r, { arms: ['ttpa', 'sft-continued'] });
    for (const arm of ['ttpa', 'sft-continued']) expect(text(store, `loop/${arm}/round-1/pairs.jsonl`), arm).toBe(text(store, shared[0]));
    const sharedDir = shared[0].replace(/\/pairs\.jsonl$/, '');
    expect(logs.filter((l) => l.includes(`the same pairs as ${sharedDir}`))).toHaveLength(2);
    // The report says so: those rounds' stage times leave the build out.
    for (const arm of ['ttpa', 'sft-continued']) expect(JSON.parse(text(store, `loop/${arm}/round-1/stage.json`)).summary.reusedPairs, arm).toBe(sharedDir);
    const ofArms = JSON.parse(text(store, 'report.json'));
    await runLoop({ store, events }, r);
    expect(text(store, 'report.md')).toContain(`Pairs reused, not built, by loop/ttpa/round-1 (${sharedDir}), loop/sft-continued/round-1 (${sharedDir}):`);
    // A run of some arms reports them: here every arm, so the same report as the full run's (stage times aside).
    const full = JSON.parse(text(store, 'report.json'));
    expect({ ...ofArms, stages: [], wallMs: 0 }).toEqual({ ...full, stages: [], wallMs: 0 });
    // TTPA alone: its figures (interval included) as in the full report, continued SFT named as not run.
    const solo = await runLoop({ store, events }, r, { arms: ['ttpa'] });
    expect(solo!.arms).toEqual({ ttpa: full.arms.ttpa });
    expect(solo!.goal).toMatchObject({ armsNotRun: ['control', 'rft', 'sft-continued', 'sequence'], met: false });
    // Without TTPA there is nothing to compare: no report, and the log says why; the last report stays.
    expect(await runLoop({ store, events }, r, { arms: ['sft-continued'] })).toBeUndefined();
    expect(logs.at(-1)).toBe('report: none (arms sft-continued: the report compares TTPA with the other arms; run it with them, or all arms)');
    expect(JSON.parse(text(store, 'report.json')).arms).toEqual({ ttpa: full.arms.ttpa });

    // unanchored continued SFT trains on targets, not pairs: TTPA alone would use them, so none are built ahead
    const plain = memoryStore();
    await runLoop({ store: plain, events: {} }, loopPreset({ arms: ['ttpa', 'sft-continued'], rounds: 1 }), { sharedOnly: true });
    expect([...plain.files.keys()].filter((f) => f.startsWith('loop/'))).toEqual([]);
  }, 300_000);

  it('with dpo.pairFilter error-fix a round trains on its error-fixing pairs alone (the model runDpoJob makes of them) and records the count', async () => {
    const store = memoryStore();
    const logs: string[] = [];
    // The shipped model, on longer answers: its branches also beat one another (the tiny model's pairs are all error fixes).
    const r = loopPreset({ arms: ['ttpa'], rounds: 1 }, {
      useStartModel: true, dpo: { ...tiny.dpo, pairFilter: 'error-fix' }, pairs: { ...tiny.pairs, token: { maxNewTokens: 96, maxBranchesPerPrompt: 2 } },
      eval: { ...tiny.eval, maxNewTokens: 96, limit: 6 }, // whole turns, so exact evaluation and the token-level reading agree
    });
    expect(r.dpo.pairFilter).toBe('error-fix');
    await runLoop({ store, startModel: dirSource(resolve('models/default')), events: { log: (l) => logs.push(l) } }, r);
    const file = text(store, 'loop/ttpa/round-1/pairs.jsonl');
    const records = parseDpoRecordsJsonl(file, 'pairs.jsonl');
    // The rule by hand: the ground truth against the policy, or a branch chosen over its greedy output.
    const fixes = records.filter((p) => p.ttpa!.kind !== 'branch' || p.ttpa!.rejected_source === 'base');
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes.length).toBeLessThan(records.length);
    const summary = JSON.parse(text(store, 'loop/ttpa/round-1/stage.json')).summary;
    const truth = fixes.filter((p) => p.ttpa!.chosen_source === 'ground_truth').length;
    const exact = fixes.filter((p) => p.ttpa!.chosen_esm! >= 1 - 1e-9).length;
    expect(summary).toMatchObject({ items: records.length, filtered: { filter: 'error-fix', kept: fixes.length, of: records.length, chosenTruth: truth, chosenExact: exact } });
    expect(logs.some((l) => l.startsWith(`loop/ttpa/round-1: ${records.length} items (${fixes.length} of ${records.length} pairs kept by error-fix)`))).toBe(true);
    // The round's model is the one DPO makes of those pairs alone from the start model, with the round's settings.
    const { model, tokenizer } = await loadCheckpoint(dirSource(resolve('models/default')));
    try {
      const job = await runDpoJob({ model, tokenizer, records: fixes, config: { ...armDpoConfig(r, 'ttpa', 0), pairFilter: 'all' }, modelFiles: async () => ({}) });
      const files = await checkpointFiles(job.model, tokenizer);
      expect(Buffer.compare(files['model.safetensors'], store.files.get('loop/ttpa/round-1/model/model.safetensors')!)).toBe(0);
    } finally {
      disposeModel(model);
    }
    expect(text(store, 'report.md')).toContain('DPO arms train on the pairs the error-fix filter keeps');
    expect(text(store, 'report.md')).toContain(`${records.length} items, ${fixes.length} kept`);
    expect(text(store, 'report.md')).toContain(`round 1: of ${fixes.length} kept, the ground truth in ${truth} (`);
    // The token-level reading of the test call turns: a turn without a first miss is one greedy decoding got exact.
    const report = JSON.parse(text(store, 'report.json')) as LoopReport;
    // TTPA alone: nothing to beat is not the goal met; the report names the comparison arms it lacks.
    expect(report.goal).toMatchObject({ armsNotRun: ['control', 'rft', 'sft-continued', 'sequence'], met: false });
    expect(text(store, 'report.md')).toContain('; no arm beside TTPA run (the goal needs TTPA to beat each of control, rft, sft-continued, sequence).');
    expect(text(store, 'report.md')).toContain('No other arm in this run (`loop.arms`, or `--arms`): nothing to compare TTPA with.');
    expect(text(store, 'report.md')).not.toContain('| arm | TTPA'); // no empty tables
    const exactCalls = (name: string) => (JSON.parse(text(store, `eval/${name}/report.json`)) as EvalReport).turns.filter((t) => t.expected.length > 0 && t.exact).length;
    expect(report.firstMiss!.base).toBe('sft');
    expect(report.firstMiss!.models.sft.clean).toBe(exactCalls('sft'));
    expect(report.firstMiss!.models.ttpa.clean).toBe(exactCalls('ttpa'));
    expect(report.firstMiss!.models.sft.points).toBe(report.firstMiss!.models.sft.callTurns - exactCalls('sft'));
    expect(report.firstMiss!.models.sft.points).toBeGreaterThan(0);
    expect(text(store, 'report.md')).toContain('## At the first wrong token (test call turns, teacher-forced)');
    // new misses: tokens the origin gets right that TTPA misses, counted here from the two stored readings
    const read = (name: string) => text(store, `firstmiss/${name}/turns.jsonl`).trim().split('\n').map((l) => JSON.parse(l) as { sampleId: string; turn: number; truth: number[]; bestOther: number[] });
    const ttpa = new Map(read('ttpa').map((t) => [`${t.sampleId}#${t.turn}`, t]));
    const fresh = read('sft').map((o) => { const m = ttpa.get(`${o.sampleId}#${o.turn}`)!; return o.truth.filter((v, k) => v >= o.bestOther[k] && m.truth[k] < m.bestOther[k]).length; });
    expect(report.firstMiss!.models.sft).toMatchObject({ newMissTokens: 0, newMissTurns: 0 });
    expect(report.firstMiss!.models.ttpa).toMatchObject({ newMissTokens: fresh.reduce((x, y) => x + y, 0), newMissTurns: fresh.filter((n) => n > 0).length });
    expect(text(store, 'report.md')).toContain('| new misses: tokens (turns) |');
  }, 300_000);

  it('with loop.warmupSamples every arm starts from the shared warm-up model; anchored sft-continued is the anchor alone', async () => {
    const store = memoryStore();
    const r = loopPreset({ arms: ['ttpa', 'sft-continued'], rounds: 1, warmupSamples: 4 }, { dpo: { ...tiny.dpo, anchorWeight: 1 } });
    const report = (await runLoop({ store, events: {} }, r)) as LoopReport;
    expect(report.goal).toMatchObject({ armsNotRun: ['control', 'rft', 'sequence'], met: false });
    expect(text(store, 'report.md')).toMatch(/; beats every arm run: (yes|no); not run: control, rft, sequence \(the goal needs TTPA to beat each of them\)\./);
    // the warm-up model: continued SFT of the start model on the first 4 samples of the shuffle, evaluated on test and validation
    expect(JSON.parse(text(store, 'loop/warmup/stage.json')).summary).toMatchObject({ samples: 4, steps: tiny.sft.steps });
    expect(store.files.get('loop/warmup/model/model.safetensors')).not.toEqual(store.files.get('sft/model/model.safetensors'));
    expect(report.warmup!.turns).toBe(report.start.turns);
    expect(report.warmup!.errorRate).toBe(JSON.parse(text(store, 'eval/warmup/stage.json')).summary.errorRate);
    expect(text(store, 'report.md')).toContain('| warm-up round (shared) |');
    expect(text(store, 'report.md')).toContain('a shared warm-up round first');
    // round 1's pairs come from the warm-up model on the samples after the warm-up's, the same for both arms
    const train = jsonl(text(store, 'data/train.jsonl')) as unknown as Sample[];
    const prompts = roundPrompts(train, 0, 3, r.config.seed, 4);
    const warm = new Set(warmupPrompts(train, 4, r.config.seed).map((s) => s.id));
    for (const s of prompts) expect(warm.has(s.id)).toBe(false);
    const { model, tokenizer } = await loadCheckpoint(store.source('loop/warmup/model'));
    try {
      const expected = pairsToTrlJsonl((await buildPairs(model, tokenizer, prompts, { ...r.pairsToken, seed: r.pairsToken.seed })).pairs);
      expect(text(store, 'loop/ttpa/round-1/pairs.jsonl')).toBe(expected);
      expect(text(store, 'loop/sft-continued/round-1/pairs.jsonl')).toBe(expected);
    } finally {
      disposeModel(model);
    }
    // sft-continued trains TTPA's run with the preference weighted 0: its loss is the anchor's NLL alone
    expect(armDpoConfig(r, 'sft-continued', 0)).toMatchObject({ lossType: 'sigmoid', lossWeights: [0], rpoAlpha: 0, anchorWeight: 1 });
    // ...with no pairs' loss to ramp in: a pair warm-up leaves its config (and so its stages) as they were
    const ramped = { ...r, dpo: { ...r.dpo, pairWarmupSteps: 50 } };
    expect(armDpoConfig(ramped, 'sft-continued', 0)).toEqual({ ...armDpoConfig(r, 'sft-continued', 0), pairWarmupSteps: 0 });
    expect(armDpoConfig(ramped, 'ttpa', 0).pairWarmupSteps).toBe(50);
    const metrics = jsonl(text(store, 'loop/sft-continued/round-1/metrics.jsonl')) as Record<string, number>[];
    expect(metrics.length).toBe(tiny.dpo.steps);
    for (const m of metrics) expect(m.loss).toBeCloseTo(m['nll/anchor'], 5);
    const ttpa = jsonl(text(store, 'loop/ttpa/round-1/metrics.jsonl')) as Record<string, number>[];
    expect(Math.abs(ttpa[0].loss - ttpa[0]['nll/anchor'])).toBeGreaterThan(1e-3);
  }, 300_000);

  it('with loop.calibrate reads the origin and every final model at a bias chosen on validation, and pairs the arms there', async () => {
    const store = memoryStore();
    // The shipped model (the tiny one never calls), on whole turns; the turns within 8 nats are decoded both ways.
    const r = loopPreset({ arms: ['ttpa', 'sft-continued'], rounds: 1, calibrate: true, calibrateSpan: 8, calibrateStep: 0.5 }, {
      useStartModel: true, eval: { ...tiny.eval, maxNewTokens: 96, limit: 6 },
    });
    const report = (await runLoop({ store, startModel: dirSource(resolve('models/default')), events: {} }, r)) as LoopReport;
    const c = report.calibrated!;
    expect(Object.keys(c.models)).toEqual(['sft', 'ttpa', 'sft-continued']);
    const train = jsonl(text(store, 'data/train.jsonl'));
    const val = jsonl(text(store, 'data/val.jsonl'));
    const test = (jsonl(text(store, 'data/test.jsonl')) as unknown as Sample[]).slice(0, 6);
    for (const name of ['sft', 'ttpa', 'sft-continued']) {
      const m = c.models[name];
      // chosen on the validation split plus the train samples round 1 did not draw
      expect(m.val.samples, name).toBe(val.length + train.length - 3);
      const points = JSON.parse(text(store, `calibrate/${name}/calibration.json`)).valPoints as { bias: number; errorRate: number }[];
      expect(points.length, name).toBe(33);
      expect(Math.min(...points.map((p) => p.errorRate)), name).toBe(m.val.chosen.errorRate);
      // at bias 0 the calibration's own decoding is the eval stage's
      const greedy = JSON.parse(text(store, `eval/${name}/report.json`)) as EvalReport;
      expect(m.test.greedy.errorRate, name).toBe(1 - greedy.overall.exactMatch);
      // and at the chosen bias the test report is what `ttpa eval --call-bias` decodes, turn for turn
      const atBias = JSON.parse(text(store, `calibrate/${name}/test_calibrated.json`)) as EvalReport;
      expect(1 - atBias.overall.exactMatch, name).toBe(m.test.calibrated.errorRate);
      const { model, tokenizer } = await loadCheckpoint(name === 'sft' ? dirSource(resolve('models/default')) : store.source(name));
      try {
        const direct = await evaluateModel(model, tokenizer, test, { maxNewTokens: 96, batchSize: tiny.eval.batchSize, callBias: m.bias });
        expect(atBias.turns.map((t) => [t.exact, t.predicted]), name).toEqual(direct.turns.map((t) => [t.exact, t.predicted]));
      } finally {
        disposeModel(model);
      }
    }
    // the shipped model's threshold is off on these turns: a bias other than 0 is chosen, so the check above reads one
    expect(Object.values(c.models).map((m) => m.bias).some((b) => b !== 0)).toBe(true);
    const atBias = (name: string) => JSON.parse(text(store, `calibrate/${name}/test_calibrated.json`)) as EvalReport;
    expect(c.ttpaVs['sft-continued']).toEqual(pairedOutcome(atBias('ttpa'), atBias('sft-continued')));
    expect(text(store, 'report.md')).toContain('## At a call-or-answer threshold set on validation (loop.calibrate)');
    // resumable: a second run decodes nothing again
    const again = (await runLoop({ store, startModel: dirSource(resolve('models/default')), events: {} }, r)) as LoopReport;
    expect(again.stages.filter((x) => x.stage.startsWith('calibrate/')).map((x) => [x.stage, x.skipped])).toEqual([['calibrate/sft', true], ['calibrate/ttpa', true], ['calibrate/sft-continued', true]]);
    expect(again.calibrated).toEqual(c);
  }, 600_000);

  it('stops a DPO round past loop.maxKl, but not the anchor alone (it trains no pair)', async () => {
    const dpo = { ...tiny.dpo, steps: 3, anchorWeight: 1 };
    const strict = (arms: ('ttpa' | 'sft-continued')[]) => loopPreset({ arms, rounds: 1, maxKl: 1e-12 }, { dpo });
    await expect(runLoop({ store: memoryStore(), events: {} }, strict(['ttpa']))).rejects.toThrow(/KL to the reference .* over the limit 1e-12/);
    const store = memoryStore();
    await runLoop({ store, events: {} }, strict(['sft-continued']), { arms: ['sft-continued'] }); // TTPA always runs otherwise
    expect(jsonl(text(store, 'loop/sft-continued/round-1/metrics.jsonl')).length).toBe(3);
  }, 300_000);

  it('RFT with loop.rftAnchor trains the DPO arms\' anchor too: a stage of its own, the same TTPA stages, the anchor\'s NLL in its loss', async () => {
    const dpo = { ...tiny.dpo, steps: 4, anchorWeight: 1 };
    const run = async (rftAnchor: boolean) => {
      const store = memoryStore();
      await runLoop({ store, events: {} }, loopPreset({ arms: ['ttpa', 'rft'], rounds: 1, rftSamples: 2, rftAnchor }, { dpo }));
      return store;
    };
    const [plain, anchored] = [await run(false), await run(true)];
    const stage = (st: ReturnType<typeof memoryStore>, arm: string) => JSON.parse(text(st, `loop/${arm}/round-1/stage.json`));
    expect(stage(anchored, 'ttpa').hash).toBe(stage(plain, 'ttpa').hash);
    expect(stage(anchored, 'rft').hash).not.toBe(stage(plain, 'rft').hash);
    expect(stage(anchored, 'rft').config.rft.anchorWeight).toBe(1);
    expect(stage(plain, 'rft').config.rft.anchorWeight).toBeUndefined();
    // The same targets, and the anchored run's loss is theirs plus the anchor's NLL: higher at step 1.
    expect(text(anchored, 'loop/rft/round-1/targets.jsonl')).toBe(text(plain, 'loop/rft/round-1/targets.jsonl'));
    const loss1 = (st: ReturnType<typeof memoryStore>) => jsonl(text(st, 'loop/rft/round-1/metrics.jsonl'))[0].loss as number;
    expect(loss1(anchored)).toBeGreaterThan(loss1(plain));
    expect(anchored.files.get('loop/rft/round-1/model/model.safetensors')).not.toEqual(plain.files.get('loop/rft/round-1/model/model.safetensors'));
  }, 300_000);

  it('resumes after round 1 with the same round 2 as an uninterrupted run', async () => {
    const full = memoryStore();
    const r = loopPreset({ arms: ['ttpa', 'rft'], rftSamples: 2, select: 'best-val' });
    await runLoop({ store: full, events: {} }, r);
    // best-val: the arm's folder holds the round with the lowest validation error, round 0 being the start model
    for (const arm of ['ttpa', 'rft']) {
      const val = [JSON.parse(text(full, 'eval-val/sft/stage.json')).summary.errorRate, ...[1, 2].map((k) => JSON.parse(text(full, `loop/${arm}/round-${k}/stage.json`)).summary.val.errorRate)];
      const best = val.indexOf(Math.min(...val));
      expect(JSON.parse(text(full, `loop/${arm}/final/stage.json`)).summary.round).toBe(best);
      expect(full.files.get(`${arm}/model.safetensors`)).toEqual(full.files.get(best === 0 ? 'sft/model/model.safetensors' : `loop/${arm}/round-${best}/model/model.safetensors`));
    }
    const resumed = memoryStore();
    for (const [p, v] of full.files) if (!p.includes('round-2') && !p.startsWith('loop/ttpa/final') && !p.startsWith('loop/rft/final')) resumed.files.set(p, v);
    const logs: string[] = [];
    await runLoop({ store: resumed, events: { log: (l) => logs.push(l) } }, r);
    expect(logs).toContain('loop/ttpa/round-1: up to date (hash ' + JSON.parse(text(full, 'loop/ttpa/round-1/stage.json')).hash + '), skipped');
    for (const arm of ['ttpa', 'rft']) {
      expect(resumed.files.get(`loop/${arm}/round-2/model/model.safetensors`)).toEqual(full.files.get(`loop/${arm}/round-2/model/model.safetensors`));
      const losses = (st: ReturnType<typeof memoryStore>): unknown[] => jsonl(text(st, `loop/${arm}/round-2/metrics.jsonl`)).map(({ step_ms: _, tokens_per_sec: __, ...m }) => m);
      expect(losses(resumed)).toEqual(losses(full));
      expect(losses(full).length).toBe(2);
    }
  }, 300_000);

  it('continues a round stopped mid-training from its last checkpoint (env.checkpointEvery), with the result of an unstopped run', async () => {
    // ttpa trains with runDpoJob, rft with runSft: both resume.
    const r = loopPreset({ arms: ['ttpa', 'rft'], rounds: 1, rftSamples: 2 }, { dpo: { ...tiny.dpo, steps: 5 } });
    const full = memoryStore();
    await runLoop({ store: full, events: {} }, r);
    const store = memoryStore();
    const logs: string[] = [];
    const stopped = new Set<string>();
    // Each call stops the first round that reaches step 3 and has not been stopped yet (a killed run, one arm at a time).
    const progress = (stage: string, done: number): void => {
      if (/^loop\/[a-z-]+\/round-1$/.test(stage) && done === 3 && !stopped.has(stage)) {
        stopped.add(stage);
        throw new Error(`stopped ${stage}`);
      }
    };
    const env = { store, events: { log: (l: string) => logs.push(l), progress }, checkpointEvery: 2 };
    await expect(runLoop(env, r)).rejects.toThrow('stopped loop/ttpa/round-1');
    const hash = (arm: string): string => [...store.files.keys()].find((p) => p.startsWith(`loop/${arm}/round-1.checkpoints/`))!.split('/')[3];
    const ttpaCk = `loop/ttpa/round-1.checkpoints/${hash('ttpa')}`;
    expect(text(store, `${ttpaCk}/latest.json`)).toBe('{"name":"checkpoint-2"}\n');
    expect(store.has(`loop/ttpa/round-1/stage.json`)).toBe(false);
    // The stopped run's two steps are said to have taken 1,000 s each: the resumed round's time must count them.
    const ckMetrics = `${ttpaCk}/checkpoint-2/metrics.jsonl`;
    store.files.set(ckMetrics, new TextEncoder().encode(jsonl(text(store, ckMetrics)).map((m) => JSON.stringify({ ...m, step_ms: 1e6 }) + '\n').join('')));
    await expect(runLoop(env, r)).rejects.toThrow('stopped loop/rft/round-1');
    expect(logs).toContain(`loop/ttpa/round-1: resuming from ${ttpaCk}/checkpoint-2 (step 2)`);
    const ttpaRecord = JSON.parse(text(store, 'loop/ttpa/round-1/stage.json'));
    expect(ttpaRecord.elapsedMs).toBeGreaterThanOrEqual(2e6);
    expect(ttpaRecord.elapsedMs).toBeLessThan(2e6 + 300_000);
    expect(ttpaRecord.summary.elapsedMs.train).toBeGreaterThanOrEqual(2e6);
    await runLoop(env, r);
    expect(logs.some((l) => l.startsWith('loop/rft/round-1: resuming from ') && l.endsWith('/checkpoint-2 (step 2)'))).toBe(true);
    for (const arm of ['ttpa', 'rft']) {
      expect(store.files.get(`loop/${arm}/round-1/model/model.safetensors`), arm).toEqual(full.files.get(`loop/${arm}/round-1/model/model.safetensors`));
      const losses = (st: ReturnType<typeof memoryStore>): unknown[] => jsonl(text(st, `loop/${arm}/round-1/metrics.jsonl`)).map(({ step_ms: _, tokens_per_sec: __, ...m }) => m);
      expect(losses(store), arm).toEqual(losses(full));
      expect(losses(full).length).toBe(5);
      // the unstopped run's stage record (hash, config, inputs, the files written): checkpoints are not part of the stage
      const rec = (st: ReturnType<typeof memoryStore>) => { const x = JSON.parse(text(st, `loop/${arm}/round-1/stage.json`)); return { hash: x.hash, config: x.config, inputs: x.inputs, outputs: Object.keys(x.outputs) }; };
      expect(rec(store), arm).toEqual(rec(full));
    }
    // finished stages leave no checkpoint behind
    expect([...store.files.keys()].filter((p) => p.includes('.checkpoints'))).toEqual([]);
  }, 300_000);
});
