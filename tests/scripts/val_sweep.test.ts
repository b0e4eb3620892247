import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/core/data/sample.ts';
import { roundPrompts, warmupPrompts } from '../../src/core/pipeline/arm_round.ts';
import { resolvePipelineConfig } from '../../src/core/pipeline/config.ts';
import type { EvalReport } from '../../src/core/scoring/evaluate.ts';
import { dpoStartFlags, heldOutSamples, readSweep, seenSamples, SWEEP_CHECKPOINT_EVERY, variantAnchorDose } from '../../scripts/val_sweep_config.ts';
import { OPTIMIZER_FILE } from '../../src/core/train/optimizer_state.ts';
import { TRAINER_STATE_FILE } from '../../src/core/train/trainer.ts';
import { largestShift, sweepTable } from '../../scripts/val_sweep_table.ts';

describe('val_sweep file', () => {
  const write = (obj: unknown): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'sweep-')), 'sweep.json');
    writeFileSync(file, JSON.stringify(obj));
    return file;
  };
  const base = { out: 'o', model: 'm', pairs: 'p', val: 'v', train: 't', dpo: {}, variants: [{ name: 'a', kind: 'dpo', filter: 'in-turn' }] };
  it('accepts the in-turn filter and a seen round', () => {
    expect(readSweep(write({ ...base, seen: { round: 1, promptsPerRound: 3, seed: 1 } })).seen).toEqual({ round: 1, promptsPerRound: 3, seed: 1 });
  });
  it('reads the shipped sweep (models/sweeps/demo_val.json)', () => {
    const sweep = readSweep('models/sweeps/demo_val.json');
    expect(sweep.seen).toEqual({ round: 1, promptsPerRound: 300, seed: 1 });
    expect(sweep.variants.map((v) => v.filter ?? 'all')).toContain('in-turn');
  });
  it('reads the shipped budget sweep (models/sweeps/budget_val.json): SFT and DPO variants, no seen round', () => {
    const sweep = readSweep('models/sweeps/budget_val.json');
    expect(sweep.seen).toBeUndefined();
    expect(sweep.variants.map((v) => v.kind).sort()).toEqual([...Array(11).fill('dpo'), 'sft']);
    // the SFT anchor of every anchored variant is the sweep's own train samples (the prompts its pairs came from)
    const anchored = sweep.variants.filter((v) => v.flags?.includes('--anchor'));
    expect(anchored.map((v) => v.name)).toEqual(['anchor_only', 'anchor_dpo_w1', 'anchor_dpo_w0.1', 'anchor_dpo_div1', 'anchor_dpo_div1_fix', 'anchor_dpo_fix_w0.1', 'anchor_dpo_div1_fix_w0.1']);
    for (const v of anchored) expect(resolve(v.flags![v.flags!.indexOf('--anchor') + 1]), v.name).toBe(sweep.train); // the CLI runs in the repo root
  });
  it('reads the shipped fresh-prompt sweep (models/sweeps/fresh_val.json): every variant anchored on its own train samples', () => {
    const sweep = readSweep('models/sweeps/fresh_val.json');
    expect(sweep.variants.map((v) => v.name)).toEqual(['anchor_only', 'anchor_dpo_fix_w0.1', 'anchor_hinge_div1_fix_w0.25', 'anchor_hinge_div1_fix_w1']);
    for (const v of sweep.variants) expect(resolve(v.flags![v.flags!.indexOf('--anchor') + 1]), v.name).toBe(sweep.train);
  });
  it('reads the shipped round sweeps (models/sweeps/rounds_fresh_*.json): each round anchored on its own fresh prompts, the arms differing only in the preference weight', () => {
    const weight = (v: { flags?: string[] }): string => v.flags![v.flags!.indexOf('--loss-weights') + 1];
    for (const round of ['r1', 'r2', 'r2b', 'r3_ttpa', 'r3_control']) {
      const sweep = readSweep(`models/sweeps/rounds_fresh_${round}.json`);
      for (const v of sweep.variants) expect(resolve(v.flags![v.flags!.indexOf('--anchor') + 1]), `${round} ${v.name}`).toBe(sweep.train);
      if (round === 'r2' || round === 'r2b') expect(sweep.variants.map(weight)).toEqual(['0', '0.1']);
    }
    expect(readSweep('models/sweeps/rounds_fresh_r3_ttpa.json').pairs).toBe(readSweep('models/sweeps/rounds_fresh_r3_control.json').pairs);
  });
  it("reads the shipped round-1 levers sweep (models/sweeps/round1_k6_seed3_levers.json): the loop's own round-1 models stand in for two arms; the new losses train with that round's seed, anchor and dose", () => {
    const sweep = readSweep('models/sweeps/round1_k6_seed3_levers.json');
    expect(sweep.variants.map((v) => `${v.name}:${v.kind}`)).toEqual(['r1_anchor_only_k6:model', 'r1_token_one_per_turn_k6:model', 'r1_control_k6:dpo', 'r1_ipo_k6:dpo', 'r1_control_w0.1_k6:dpo']);
    const preset = resolvePipelineConfig(JSON.parse(readFileSync('models/presets/fresh-calls-full-all-arms.json', 'utf8')), { seed: 3 });
    expect(sweep.dpo.seed).toBe(preset.dpo.seed); // the loop seeds round k with the DPO seed + k - 1
    expect(sweep.seen).toMatchObject({ round: 1, promptsPerRound: preset.loop.promptsPerRound, seed: 3, warmupSamples: preset.loop.warmupSamples });
    for (const v of sweep.variants.filter((x) => x.kind === 'dpo')) {
      expect(variantAnchorDose(sweep, v, 2256, 2400), v.name).toBe(preset.dpo.anchorPerPair);
      expect(resolve(v.flags![v.flags!.indexOf('--anchor') + 1]), v.name).toBe(resolve(sweep.out, 'seen-round-1.jsonl'));
      expect(v.filter, v.name).toBe(preset.dpo.pairFilter);
    }
    // the weight-0.1 control differs from the loop's control in its NLL weight alone
    const flags = (name: string): string[] => sweep.variants.find((v) => v.name === name)!.flags!;
    const light = flags('r1_control_w0.1_k6');
    expect(light[light.indexOf('--rpo-alpha') + 1]).toBe('0.1');
    expect(light.map((f, i) => (light[i - 1] === '--rpo-alpha' ? '1' : f))).toEqual(flags('r1_control_k6'));
  });

  it("reads the shipped pair-warmup sweep (models/sweeps/round1_k6_seed3_pair_warmup.json): the levers sweep's replay of TTPA's round 1 with only --pair-warmup added", () => {
    const sweep = readSweep('models/sweeps/round1_k6_seed3_pair_warmup.json');
    const levers = readSweep('models/sweeps/round1_k6_seed3_levers.json');
    expect(sweep.variants.map((v) => `${v.name}:${v.kind}`)).toEqual(['r1_anchor_only_k6:model', 'r1_token_one_per_turn_k6:model', 'r1_ttpa_pairwarmup100_k6:dpo', 'r1_ttpa_pairwarmup200_k6:dpo', 'r1_ttpa_pairwarmup100_div1_k6:dpo', 'r1_ttpa_pairwarmup100_inturn_k6:dpo', 'r1_ttpa_pairwarmup100_w0.05_k6:dpo']);
    for (const key of ['out', 'model', 'pairs', 'val', 'train', 'dpo', 'seen', 'heldOut', 'compareTo'] as const) expect(sweep[key], key).toEqual(levers[key]);
    expect(sweep.variants.slice(0, 2)).toEqual(levers.variants.slice(0, 2));
    // TTPA's round 1 (the preset's loss at the sweep's dpo settings) is the IPO variant's flags less its loss
    const ipo = levers.variants.find((v) => v.name === 'r1_ipo_k6')!.flags!;
    const ttpa = ipo.slice(0, ipo.indexOf('--loss'));
    const ramp = [...ttpa, '--pair-warmup', '100'];
    expect(sweep.variants.slice(2).map((v) => v.flags)).toEqual([ramp, [...ttpa, '--pair-warmup', '200'], [...ramp, '--divergent-tokens', '1'], ramp, [...ramp, '--loss-weights', '0.05']]);
    // the in-turn variant: the same one-per-turn pairs (the file the sweep writes from its own), less those that diverge on whether to call
    const inTurn = sweep.variants.find((v) => v.name === 'r1_ttpa_pairwarmup100_inturn_k6')!;
    expect([inTurn.filter, inTurn.pairs]).toEqual(['in-turn', `${sweep.out}/pairs-one-per-turn.jsonl`]);
    expect(sweep.variants.slice(2).filter((v) => v !== inTurn).every((v) => v.filter === 'one-per-turn' && v.pairs === undefined)).toBe(true);
  });
  it("reads the shipped round-2 sweep (models/sweeps/round2_k6_seed3_final_models.json): the loops' final models, evaluated only, on round 1's validation turns", () => {
    const sweep = readSweep('models/sweeps/round2_k6_seed3_final_models.json');
    const levers = readSweep('models/sweeps/round1_k6_seed3_levers.json');
    // the same held-out turns as the round-1 sweeps, and held out from both rounds' prompts
    for (const key of ['out', 'model', 'val', 'train', 'heldOut'] as const) expect(sweep[key], key).toEqual(levers[key]);
    expect(sweep.heldOut!.rounds).toBe(2);
    expect(sweep.seen).toBeUndefined();
    expect(sweep.variants.every((v) => v.kind === 'model' && /\/loop\/(ttpa|sft-continued)\/round-2\/model$/.test(v.model!))).toBe(true);
    expect(sweep.compareTo).toBe('r2_anchor_only_k6');
  });
  it('gives an anchored dpo variant\'s anchor dose: its --anchor-per-pair, the sweep\'s dpo.anchorPerPair, else ceil(samples / kept pairs)', () => {
    const anchored = { name: 'a', kind: 'dpo' as const, flags: ['--anchor', 'seen.jsonl', '--max-kl', '1e6'] };
    expect(variantAnchorDose({ dpo: {} }, anchored, 2248, 2400)).toBe(2);
    expect(variantAnchorDose({ dpo: {} }, anchored, 2701, 2400)).toBe(1);
    expect(variantAnchorDose({ dpo: { anchorPerPair: 0 } }, anchored, 7370, 2400)).toBe(1);
    expect(variantAnchorDose({ dpo: { anchorPerPair: 3 } }, anchored, 7370, 2400)).toBe(3);
    expect(variantAnchorDose({ dpo: { anchorPerPair: 3 } }, { ...anchored, flags: [...anchored.flags, '--anchor-per-pair', '2'] }, 7370, 2400)).toBe(2);
    expect(variantAnchorDose({ dpo: {} }, anchored)).toBeUndefined(); // not trained yet: no count
    expect(variantAnchorDose({ dpo: {} }, { name: 'b', kind: 'dpo', flags: ['--loss-weights', '0'] }, 100, 2400)).toBeUndefined();
    expect(variantAnchorDose({ dpo: {} }, { name: 'c', kind: 'model', model: 'm' }, 100, 2400)).toBeUndefined();
  });
  it("starts a dpo variant afresh, or resumes it from a stopped run's complete checkpoint", () => {
    const out = mkdtempSync(join(tmpdir(), 'sweep-dpo-'));
    expect(dpoStartFlags(join(out, 'none'))).toEqual(['--overwrite', '--checkpoint-every', String(SWEEP_CHECKPOINT_EVERY)]);
    mkdirSync(join(out, 'checkpoint-50'));
    writeFileSync(join(out, 'checkpoint-50', TRAINER_STATE_FILE), '{}'); // torn: no optimizer state
    expect(dpoStartFlags(out)[0]).toBe('--overwrite');
    mkdirSync(join(out, 'checkpoint-25'));
    for (const f of [TRAINER_STATE_FILE, OPTIMIZER_FILE]) writeFileSync(join(out, 'checkpoint-25', f), '{}');
    expect(dpoStartFlags(out)).toEqual(['--resume', '--checkpoint-every', String(SWEEP_CHECKPOINT_EVERY)]);
  });
  it('names the field that is wrong', () => {
    expect(() => readSweep(write({ ...base, seen: { round: 0, promptsPerRound: 3, seed: 1 } }))).toThrow('"seen.round" must be an integer >= 1, got 0');
    expect(() => readSweep(write({ ...base, variants: [{ name: 'a', kind: 'dpo', filter: 'turn' }] }))).toThrow('variants[0].filter must be one of all, correct-chosen, error-fix, base-rejected, one-per-turn, in-turn, got "turn"');
  });
});

describe('seen round samples', () => {
  it('are the samples the loop drew for that round', () => {
    const train = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}` })) as unknown as Sample[];
    expect(seenSamples(train, { round: 2, promptsPerRound: 3, seed: 4 })).toEqual(roundPrompts(train, 1, 3, 4));
    const ids = (round: number): string[] => seenSamples(train, { round, promptsPerRound: 3, seed: 4 }).map((s) => s.id);
    expect(ids(1).filter((id) => ids(2).includes(id))).toEqual([]);
  });
  it('after a warm-up round, are the samples the loop drew past it', () => {
    const train = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}` })) as unknown as Sample[];
    expect(seenSamples(train, { round: 1, promptsPerRound: 3, seed: 4, warmupSamples: 4 })).toEqual(roundPrompts(train, 0, 3, 4, 4));
    expect(seenSamples(train, { round: 1, promptsPerRound: 3, seed: 4, warmupSamples: 4 })).not.toEqual(roundPrompts(train, 0, 3, 4));
  });
});

/** A report over turns t0..t(n-1): `exact` per turn, error rates as given; `calls` marks the turns whose ground truth calls a tool (default: none). */
function report(exact: boolean[], errorRates: Record<string, number>, calls: boolean[] = [], noCall: boolean[] = []): EvalReport {
  const turns = exact.map((e, i) => ({ sampleId: `t${i}`, turn: 1, exact: e, errors: e ? [] : [{ category: noCall[i] ? 'no_call' : 'wrong_value' }], expected: calls[i] ? [{ name: 'f', arguments: {} }] : [] }));
  return { turns, overall: { exactMatch: exact.filter(Boolean).length / exact.length, errorRates } } as unknown as EvalReport;
}

describe('val_sweep table', () => {
  const start = report([true, true, false, false], { no_call: 0, wrong_value: 0.5 });
  const variant = report([true, false, true, true], { no_call: 0.25, wrong_value: 0 });
  it('names the category that moved most, with its sign', () => {
    expect(largestShift(variant, start)).toBe('wrong_value −50.0 pt');
    expect(largestShift(report([true, true, false, false], { no_call: 0.25, wrong_value: 0.5 }), start)).toBe('no_call +25.0 pt');
    expect(largestShift(start, start)).toBe('');
  });
  it('counts fixed / broke turns against the start, on validation and on the seen round', () => {
    const seenStart = report([false, false], { no_call: 0 });
    const seenVariant = report([true, true], { no_call: 0 });
    const rows = sweepTable({ name: 'start', what: 'the start model', val: start, seen: seenStart },
      [{ name: 'v', what: 'dpo --lr 0.001', val: variant, seen: seenVariant }, { name: 'x', what: 'dpo', failure: 'ttpa dpo exited with code 1' }]);
    expect(rows).toHaveLength(5);
    expect(rows[3]).toMatch(/^\| v \| dpo --lr 0\.001 \| 25\.0% \[.*\] \| 2 \/ 1, p = 1\.000 \| wrong_value −50\.0 pt \| 0\.0% \| 2 \/ 0, p = 0\.500 \|$/);
    expect(rows[4]).toBe('| x | failed: ttpa dpo exited with code 1 | | | | | |');
  });
});

describe('val_sweep: pair kinds and held-out train samples', () => {
  const write = (obj: unknown): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'sweep-')), 'sweep.json');
    writeFileSync(file, JSON.stringify(obj));
    return file;
  };
  const base = { out: 'o', model: 'm', pairs: 'p', val: 'v', train: 't', dpo: {} };
  it('reads a variant with its own pairs, an evaluated checkpoint, a held-out block and compareTo', () => {
    const sweep = readSweep(write({ ...base, heldOut: { rounds: 2, promptsPerRound: 3, warmupSamples: 4, seed: 1 }, compareTo: 'loop',
      variants: [{ name: 'loop', kind: 'model', model: 'runs/x/model' }, { name: 'seq', kind: 'dpo', pairs: 'seq.jsonl' }] }));
    expect(sweep.variants.map((v) => [v.model, v.pairs])).toEqual([[resolve('runs/x/model'), undefined], [undefined, resolve('seq.jsonl')]]);
    expect(sweep.compareTo).toBe('loop');
  });
  it('reads the shipped pair-kind sweep (models/sweeps/pair_kinds_seed1.json): round 1 replayed, only the pairs differ', () => {
    const sweep = readSweep('models/sweeps/pair_kinds_seed1.json');
    expect(sweep.seen).toEqual({ round: 1, promptsPerRound: 2400, seed: 1, warmupSamples: 4800, evaluate: false });
    expect(sweep.heldOut).toEqual({ rounds: 2, promptsPerRound: 2400, warmupSamples: 4800, seed: 1 });
    const trained = sweep.variants.filter((v) => v.kind === 'dpo');
    // every trained variant: the round's own samples as the anchor and the loop's lifted KL guard
    for (const v of trained) expect(v.flags!.slice(0, 4), v.name).toEqual(['--anchor', 'runs/pair-kinds/sweep/seen-round-1.jsonl', '--max-kl', '1e6']);
    expect(sweep.dpo).toMatchObject({ steps: 300, batchSize: 4, gradAccumSteps: 2, lr: 0.001, lossWeights: [0.1], anchorWeight: 1, seed: 3 });
    expect(sweep.variants.filter((v) => v.kind === 'model').map((v) => v.name)).toEqual(['loop_ttpa', 'loop_sequence']);
    expect(sweep.compareTo).toBe('loop_sequence');
    // the anchor alone weights the preference term 0; base-rejected is the product's filter on the loop's own pairs
    const byName = (n: string) => sweep.variants.find((v) => v.name === n)!;
    expect(byName('anchor_only').flags!.slice(4)).toEqual(['--loss-weights', '0']);
    expect(byName('token_base_rejected')).toMatchObject({ kind: 'dpo', filter: 'base-rejected' });
    expect(byName('token_base_rejected').pairs).toBeUndefined();
  });
  it('reads the shipped dose sweep (models/sweeps/anchor_dose_seed1.json): the pair-kind replay, only the dose and the preference weight differ', () => {
    const sweep = readSweep('models/sweeps/anchor_dose_seed1.json');
    const kinds = readSweep('models/sweeps/pair_kinds_seed1.json');
    // the same replay as the pair-kind sweep: start model, pairs, validation, anchor round and DPO settings
    for (const key of ['model', 'pairs', 'val', 'train', 'seen', 'heldOut', 'dpo'] as const) expect(sweep[key], key).toEqual(kinds[key]);
    expect(sweep.out).not.toBe(kinds.out);
    const doses = sweep.variants.map((v) => [v.name, v.filter, variantAnchorDose(sweep, v), v.flags!.includes('--loss-weights')]);
    expect(doses).toEqual([
      ['token_one_per_turn_k4_w0.3', 'one-per-turn', 4, true], ['token_one_per_turn_k4_w1', 'one-per-turn', 4, true],
      ['anchor_only_k6', 'one-per-turn', 6, true], ['token_one_per_turn_k6', 'one-per-turn', 6, false],
      ['anchor_only_k4', 'one-per-turn', 4, true], ['token_one_per_turn_k4', 'one-per-turn', 4, false],
      ['anchor_only_k2', 'one-per-turn', 2, true], ['token_one_per_turn_k2', 'one-per-turn', 2, false],
    ]);
    for (const v of sweep.variants) expect(v.flags!.slice(0, 4), v.name).toEqual(['--anchor', 'runs/anchor-dose/seen-round-1.jsonl', '--max-kl', '1e6']);
    expect(sweep.variants.find((v) => v.name === 'anchor_only_k2')!.flags!.slice(4, 6)).toEqual(['--loss-weights', '0']);
    expect(sweep.variants.find((v) => v.name === 'token_one_per_turn_k4_w0.3')!.flags!.slice(4, 6)).toEqual(['--loss-weights', '0.3']);
    expect(sweep.variants.find((v) => v.name === 'token_one_per_turn_k4_w1')!.flags!.slice(4, 6)).toEqual(['--loss-weights', '1']);
    expect(sweep.compareTo).toBe('anchor_only_k2');
  });
  it('reads the shipped round-2 sweep (models/sweeps/round2_k6_seed1.json): from the dose sweep\'s k = 6 anchor model, round 2\'s own prompts, only the preference term, the pair filter and one lever of the term differ', () => {
    const sweep = readSweep('models/sweeps/round2_k6_seed1.json');
    const dose = readSweep('models/sweeps/anchor_dose_seed1.json');
    // the dose sweep's validation, train split, held-out block and DPO settings; round 2 of the same loop draw
    for (const key of ['val', 'train', 'heldOut', 'dpo'] as const) expect(sweep[key], key).toEqual(dose[key]);
    expect(sweep.seen).toEqual({ ...dose.seen, round: 2 });
    expect(sweep.model).toBe(resolve('runs/anchor-dose/anchor_only_k6/dpo/model'));
    expect(sweep.pairs).toBe(resolve('runs/round2-k6/pairs.jsonl'));
    const arms = sweep.variants.map((v) => [v.name, v.filter, variantAnchorDose(sweep, v), v.flags!.slice(4, 6)]);
    expect(arms).toEqual([
      ['r2_anchor_only_k6', 'one-per-turn', 6, ['--loss-weights', '0']],
      ['r2_token_one_per_turn_k6', 'one-per-turn', 6, ['--anchor-per-pair', '6']],
      ['r2_token_error_fix_k6', 'error-fix', 6, ['--anchor-per-pair', '6']],
      ['r2_token_div1_k6', 'one-per-turn', 6, ['--anchor-per-pair', '6']],
      ['r2_token_w003_k6', 'one-per-turn', 6, ['--anchor-per-pair', '6']],
      ['r2_token_dpop5_k6', 'one-per-turn', 6, ['--anchor-per-pair', '6']],
    ]);
    // the three levers on the preset's one-a-turn pairs: each changes one setting of r2_token_one_per_turn_k6
    expect(sweep.variants.map((v) => v.flags!.slice(6))).toEqual([['--anchor-per-pair', '6'], [], [], ['--divergent-tokens', '1'], ['--loss-weights', '0.03'], ['--dpop-lambda', '5']]);
    for (const v of sweep.variants) expect(v.flags!.slice(0, 4), v.name).toEqual(['--anchor', 'runs/round2-k6/seen-round-2.jsonl', '--max-kl', '1e6']);
    expect(sweep.compareTo).toBe('r2_anchor_only_k6');
  });
  it('names the field that is wrong', () => {
    expect(() => readSweep(write({ ...base, variants: [{ name: 'a', kind: 'model' }] }))).toThrow('variants[0].model must be a checkpoint folder (kind "model" evaluates one), got undefined');
    expect(() => readSweep(write({ ...base, variants: [{ name: 'a', kind: 'sft', pairs: 'x' }] }))).toThrow('variants[0].pairs must be a pairs JSONL path, and only a dpo variant has its own');
    expect(() => readSweep(write({ ...base, compareTo: 'b', variants: [{ name: 'a', kind: 'dpo' }] }))).toThrow('"compareTo" must name a variant, got "b"');
    expect(() => readSweep(write({ ...base, seen: { round: 1, promptsPerRound: 3, seed: 1, evaluate: 'no' }, variants: [] }))).toThrow('"seen.evaluate" must be true or false, got "no"');
    expect(() => readSweep(write({ ...base, heldOut: { rounds: 0, promptsPerRound: 3, warmupSamples: 0, seed: 1 }, variants: [] }))).toThrow('"heldOut.rounds" must be an integer >= 1, got 0');
  });
  it('holds out exactly the train samples no round of that loop drew', () => {
    const train = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}` })) as unknown as Sample[];
    const h = { rounds: 2, promptsPerRound: 3, warmupSamples: 4, seed: 5 };
    const drawn = [...warmupPrompts(train, 4, 5), ...roundPrompts(train, 0, 3, 5, 4), ...roundPrompts(train, 1, 3, 5, 4)].map((s) => s.id);
    const held = heldOutSamples(train, h).map((s) => s.id);
    expect(held).toHaveLength(2);
    expect([...drawn, ...held].sort()).toEqual(train.map((s) => s.id).sort());
    expect(() => heldOutSamples(train, { ...h, rounds: 3 })).toThrow('loop: its rounds draw 13 train samples, but the train split has 12');
  });
  it('tests every variant against compareTo in a column of its own, call turns and text turns apart', () => {
    const calls = [true, true, false, false];
    const start = report([false, false, false, false], { wrong_value: 1 }, calls);
    const loop = report([true, false, false, false], { wrong_value: 0.75 }, calls);
    const seq = report([true, true, true, false], { wrong_value: 0.25 }, calls);
    const rows = sweepTable({ name: 'start', what: 'the start model', val: start }, [{ name: 'loop', what: 'evaluated', val: loop }, { name: 'seq', what: 'dpo', val: seq }], { name: 'loop', what: 'evaluated', val: loop });
    expect(rows[0]).toBe('| variant | training | val error [95% CI] | fixed / broke vs start | fixed / broke vs loop | largest category shift |');
    expect(rows[3]).toMatch(/^\| loop \| evaluated \| 75\.0% .* \| 1 \/ 0, p = 1\.000 \|  \| wrong_value −25\.0 pt \|$/);
    expect(rows[4]).toMatch(/^\| seq \| dpo \| 25\.0% .* \| 3 \/ 0, p = 0\.250 \| 2 \/ 0, p = 0\.500 \(call turns 1 \/ 0, p = 1\.000; text 1 \/ 0, p = 1\.000; both call 1 \/ 0, p = 1\.000\) \| wrong_value −75\.0 pt \|$/);
    // the second call turn answered in text by the compared model: a decision, left out of "both call"
    const refusing = report([true, false, false, false], { wrong_value: 0.5, no_call: 0.25 }, calls, [false, true]);
    const row = sweepTable({ name: 'start', what: 'the start model', val: start }, [{ name: 'refusing', what: 'evaluated', val: refusing }, { name: 'seq', what: 'dpo', val: seq }], { name: 'refusing', what: 'evaluated', val: refusing })[4];
    expect(row).toContain('(call turns 1 / 0, p = 1.000; text 1 / 0, p = 1.000; both call 0 / 0, p = 1.000)');
  });
});
