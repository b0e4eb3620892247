import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { dpoLoss, type DpoLossConfig, type DpoLogps } from '../../../src/core/train/dpo_loss.ts';
import { DEFAULT_DPO_CONFIG, resolveDpoConfig } from '../../../src/core/train/dpo_config.ts';

const base: DpoLossConfig = { beta: 0.1, lossType: 'sigmoid', labelSmoothing: 0, esmGamma: 1, esmMode: 'margin', rpoAlpha: 0 };
const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** Two pairs; chosen has 3 tokens (pair 1 padded to 2), rejected 2 tokens. */
const raw = {
  pc: [[-1, -2, -0.5], [-0.2, -0.3, 0]],
  pr: [[-3, -1], [-0.1, -0.4]],
  rc: [[-1.5, -2, -1], [-0.5, -0.3, 0]],
  rr: [[-2, -1], [-0.3, -0.2]],
  mc: [[1, 1, 1], [1, 1, 0]],
  mr: [[1, 1], [1, 1]],
  margin: [0.5, 1],
};

function batch(r = raw, mc = r.mc, mr = r.mr): DpoLogps {
  return {
    policyChosen: tf.tensor2d(r.pc), policyRejected: tf.tensor2d(r.pr),
    refChosen: tf.tensor2d(r.rc), refRejected: tf.tensor2d(r.rr),
    maskChosen: tf.tensor2d(mc), maskRejected: tf.tensor2d(mr), nllMaskChosen: tf.tensor2d(r.mc),
    scoreMargin: tf.tensor1d(r.margin),
  };
}

// Hand-computed per-pair log-ratios: pair 0 chosen (-3.5) - (-4.5) = 1, rejected (-4) - (-3) = -1;
// pair 1 chosen (-0.5) - (-0.8) = 0.3, rejected (-0.5) - (-0.5) = 0.
const ratioC = [1, 0.3];
const ratioR = [-1, 0];

function run(cfg: Partial<DpoLossConfig>, b = batch()): { loss: number; rc: number[]; rr: number[]; lc: number[]; kl: number; klChosen: number } {
  return tf.tidy(() => {
    const o = dpoLoss(b, { ...base, ...cfg });
    return {
      loss: o.loss.dataSync()[0], rc: [...o.rewardsChosen.dataSync()], rr: [...o.rewardsRejected.dataSync()],
      lc: [...o.logpsChosen.dataSync()], kl: o.kl.dataSync()[0], klChosen: o.klChosen.dataSync()[0],
    };
  });
}

describe('dpoLoss', () => {
  it('equal policy and reference give ln 2 and zero rewards (sigmoid)', () => {
    const same = { ...raw, rc: raw.pc, rr: raw.pr };
    const o = run({}, batch(same));
    expect(o.loss).toBeCloseTo(Math.LN2, 6);
    expect(o.rc).toEqual([0, 0]);
    expect(o.rr).toEqual([0, 0]);
    expect(o.kl).toBeCloseTo(0, 7);
    expect(o.klChosen).toBeCloseTo(0, 7);
  });

  it('k3 by hand: over every masked token of both sides (kl), and over the chosen tokens alone (klChosen)', () => {
    const k3 = (r: number): number => Math.exp(r) - 1 - r; // r = log ref − log π
    const chosen = [-0.5, 0, -0.5, -0.3, 0].map(k3); // pair 1's third chosen token is masked
    const rejected = [1, 0, -0.2, 0.2].map(k3);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const o = run({});
    expect(o.klChosen).toBeCloseTo(sum(chosen) / 5, 6);
    expect(o.kl).toBeCloseTo((sum(chosen) + sum(rejected)) / 9, 6);
    // A rejected token pushed down 5 nats below the reference: kl grows as exp(5); klChosen does not move.
    const pushed = run({}, batch({ ...raw, pr: [[-8, -1], [-0.1, -0.4]], rr: [[-3, -1], [-0.3, -0.2]] }));
    expect(pushed.kl).toBeCloseTo((sum(chosen) + sum([5, 0, -0.2, 0.2].map(k3))) / 9, 4);
    expect(pushed.kl).toBeGreaterThan(15);
    expect(pushed.klChosen).toBeCloseTo(o.klChosen, 6);
  });

  it('sigmoid matches hand-computed loss, rewards and logps', () => {
    const o = run({});
    const h = [0.1 * (1 - -1), 0.1 * (0.3 - 0)];
    expect(o.loss).toBeCloseTo((-Math.log(sig(h[0])) - Math.log(sig(h[1]))) / 2, 6);
    expect(o.rc[0]).toBeCloseTo(0.1, 6);
    expect(o.rc[1]).toBeCloseTo(0.03, 6);
    expect(o.rr[0]).toBeCloseTo(-0.1, 6);
    expect(o.lc[0]).toBeCloseTo(-3.5, 6);
    expect(o.lc[1]).toBeCloseTo(-0.5, 6);
  });

  it('cDPO and robust label smoothing match their formulas', () => {
    const e = 0.2;
    const h = [0.2, 0.03];
    const cdpo = h.map((x) => -(1 - e) * Math.log(sig(x)) - e * Math.log(sig(-x)));
    const robust = h.map((x) => (-(1 - e) * Math.log(sig(x)) + e * Math.log(sig(-x))) / (1 - 2 * e));
    expect(run({ labelSmoothing: e }).loss).toBeCloseTo((cdpo[0] + cdpo[1]) / 2, 6);
    expect(run({ lossType: 'robust', labelSmoothing: e }).loss).toBeCloseTo((robust[0] + robust[1]) / 2, 6);
  });

  it('hinge matches relu(1 - h) with beta 1', () => {
    const h = [2, 0.3];
    expect(run({ lossType: 'hinge', beta: 1 }).loss).toBeCloseTo((Math.max(0, 1 - h[0]) + Math.max(0, 1 - h[1])) / 2, 6);
  });

  it('ipo uses per-token mean log-ratios', () => {
    const beta = 0.5;
    // pair 0: chosen 1/3, rejected -1/2; pair 1: chosen 0.3/2, rejected 0.
    const lg = [1 / 3 + 1 / 2, 0.15];
    const o = run({ lossType: 'ipo', beta });
    expect(o.loss).toBeCloseTo(((lg[0] - 1) ** 2 + (lg[1] - 1) ** 2) / 2, 6);
    expect(o.rc[0]).toBeCloseTo(beta / 3, 6);
  });

  it('esm margin and weight modes use the score margin', () => {
    const h = [0.2, 0.03];
    const m = raw.margin;
    const margin = h.map((x, i) => -Math.log(sig(x - 2 * m[i])));
    expect(run({ lossType: 'esm', esmGamma: 2 }).loss).toBeCloseTo((margin[0] + margin[1]) / 2, 6);
    const meanM = (m[0] + m[1]) / 2;
    const weight = h.map((x, i) => (-Math.log(sig(x)) * m[i]) / meanM);
    expect(run({ lossType: 'esm', esmMode: 'weight' }).loss).toBeCloseTo((weight[0] + weight[1]) / 2, 6);
  });

  it('rpo adds alpha times the per-token chosen NLL', () => {
    const h = [0.2, 0.03];
    const dpo = h.map((x) => -Math.log(sig(x)));
    const nll = [3.5 / 3, 0.5 / 2];
    expect(run({ rpoAlpha: 0.5 }).loss).toBeCloseTo((dpo[0] + 0.5 * nll[0] + dpo[1] + 0.5 * nll[1]) / 2, 6);
  });

  it('nll is the RPO term alone, blind to the rejected side, with the rewards still reported', () => {
    const nll = [3.5 / 3, 0.5 / 2];
    const o = run({ lossType: 'nll', rpoAlpha: 0.5 });
    expect(o.loss).toBeCloseTo((0.5 * nll[0] + 0.5 * nll[1]) / 2, 6);
    expect(run({ lossType: 'nll', rpoAlpha: 0.5 }, batch({ ...raw, pr: [[-9, -9], [-9, -9]] })).loss).toBe(o.loss);
    expect(o.rc[0]).toBeCloseTo(0.1, 6);
    expect(o.rr[0]).toBeCloseTo(-0.1, 6);
  });

  it("a ['sigmoid', 'sft'] list with lossWeights is DPO plus the weighted chosen NLL (TRL's loss_type list)", () => {
    const h = [0.2, 0.03];
    const nll = [3.5 / 3, 0.5 / 2];
    const want = (-Math.log(sig(h[0])) + 0.5 * nll[0] - Math.log(sig(h[1])) + 0.5 * nll[1]) / 2;
    expect(run({ lossType: ['sigmoid', 'sft'], lossWeights: [1, 0.5] }).loss).toBeCloseTo(want, 6);
    expect(run({ lossType: ['sigmoid', 'sft'], lossWeights: [1, 0.5] }).loss).toBeCloseTo(run({ rpoAlpha: 0.5 }).loss, 6);
    expect(run({ lossType: ['sigmoid', 'ipo'], lossWeights: [2, 1] }).loss).toBeCloseTo(2 * run({}).loss + run({ lossType: 'ipo' }).loss, 5);
  });

  it('DPOP subtracts lambda * max(0, ref - policy) of the chosen side inside the sigmoid', () => {
    // the policy's chosen tokens are 0.5 below the reference each: ref - policy = 1.5 (3 tokens) and 1.0 (2 tokens)
    const down = { ...raw, rc: [[-0.5, -1.5, 0], [0.3, 0.2, 0]] };
    const logits = [-1.5 - -1, -1.0 - 0]; // ratioC - ratioR
    const h = [0.1 * (logits[0] - 2 * 1.5), 0.1 * (logits[1] - 2 * 1.0)];
    expect(run({ dpopLambda: 2 }, batch(down)).loss).toBeCloseTo((-Math.log(sig(h[0])) - Math.log(sig(h[1]))) / 2, 6);
    // a chosen side above its reference pays nothing: the raw batch's chosen ratios are +1 and +0.3
    expect(run({ dpopLambda: 2 }).loss).toBeCloseTo(run({}).loss, 7);
  });

  it('the prefix mask removes prefix tokens exactly', () => {
    // mask the first chosen and first rejected token; changing them must not change anything.
    const mc = [[0, 1, 1], [0, 1, 0]];
    const mr = [[0, 1], [0, 1]];
    const a = run({ lossType: 'ipo' }, batch(raw, mc, mr));
    const changed = { ...raw, pc: [[-9, -2, -0.5], [-7, -0.3, 0]], pr: [[-5, -1], [-8, -0.4]] };
    const b = run({ lossType: 'ipo' }, batch(changed, mc, mr));
    expect(b.loss).toBe(a.loss);
    expect(b.rc).toEqual(a.rc);
    expect(b.lc).toEqual(a.lc);
    // and by hand: chosen ratios (-2.5+3) = 0.5 over 2 tokens, 0 over 1; rejected (-1+1) = 0, (-0.4+0.2) = -0.2
    const lg = [0.25 - 0, 0 - -0.2];
    expect(a.loss).toBeCloseTo(((lg[0] - 5) ** 2 + (lg[1] - 5) ** 2) / 2, 5);
  });

  it('rewards/accuracies inputs: ratios are computed per pair', () => {
    const o = run({ beta: 1 });
    expect(o.rc.map((x) => +x.toFixed(6))).toEqual(ratioC);
    expect(o.rr.map((x) => +x.toFixed(6))).toEqual(ratioR);
  });

  it('does not leak tensors', () => {
    const b = batch();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run({ rpoAlpha: 1 }, b);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(b));
  });
});

describe('resolveDpoConfig', () => {
  it('returns the defaults and names a bad field', () => {
    expect(resolveDpoConfig()).toEqual({ ...DEFAULT_DPO_CONFIG, lossWeights: [], loraTargets: [...DEFAULT_DPO_CONFIG.loraTargets] });
    expect(() => resolveDpoConfig({ beta: -1 })).toThrow('dpo.beta must be > 0, got -1');
    expect(() => resolveDpoConfig({ lossType: 'kto' as never })).toThrow('dpo.lossType');
    expect(() => resolveDpoConfig({ labelSmoothing: 0.5 })).toThrow('dpo.labelSmoothing');
    expect(() => resolveDpoConfig({ lossType: 'nll' })).toThrow("dpo.rpoAlpha must be > 0 with lossType 'nll'");
    expect(() => resolveDpoConfig({ divergentTokens: 1.5 })).toThrow('dpo.divergentTokens must be an integer >= 0, got 1.5');
    expect(() => resolveDpoConfig({ lossType: [] })).toThrow('dpo.lossType must be one of');
    expect(() => resolveDpoConfig({ lossType: ['sigmoid', 'sigmoid'] })).toThrow('dpo.lossType must not name a term twice');
    expect(() => resolveDpoConfig({ lossType: 'sft' })).toThrow("'sft' is a term of a list");
    expect(() => resolveDpoConfig({ lossType: ['sigmoid', 'sft'], lossWeights: [1] })).toThrow('dpo.lossWeights must be empty or 2 numbers >= 0');
    expect(() => resolveDpoConfig({ dpopLambda: -1 })).toThrow('dpo.dpopLambda must be >= 0, got -1');
    expect(() => resolveDpoConfig({ divergentWeight: 0.5 })).toThrow('dpo.divergentWeight must be >= 1, got 0.5');
    expect(resolveDpoConfig({ lossType: ['sigmoid', 'sft'], lossWeights: [1, 0.5] }).lossType).toEqual(['sigmoid', 'sft']);
    expect(() => resolveDpoConfig({ betta: 1 } as never)).toThrow('dpo.betta is not a known setting');
  });
});
