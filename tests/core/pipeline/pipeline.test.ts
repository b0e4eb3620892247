import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dirSource } from '../../../src/cli/files.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { createRng } from '../../../src/core/rng.ts';
import { checkpointFiles, loadCheckpoint } from '../../../src/core/runtime/checkpoint.ts';
import { parseDpoRecordsJsonl, runDpoJob } from '../../../src/core/train/dpo_run.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { resolvePipelineConfig } from '../../../src/core/pipeline/config.ts';
import { runPipeline } from '../../../src/core/pipeline/pipeline.ts';
import { memoryStore } from '../../../src/core/pipeline/store.ts';
import { tf } from '../../../src/core/runtime/tf.ts';

const tiny = JSON.parse(readFileSync(new URL('../../../models/presets/tiny.json', import.meta.url), 'utf8'));

describe('runPipeline (tiny preset)', () => {
  beforeAll(async () => {
    await initBackend({ order: ['wasm'] });
  });

  it('runs every stage end to end, then skips them all on a rerun', async () => {
    const store = memoryStore();
    const logs: string[] = [];
    const r = resolvePipelineConfig(tiny);
    const report = await runPipeline({ store, events: { log: (l) => logs.push(l) } }, r);
    expect(report).toBeDefined();
    for (const f of ['data/test.jsonl', 'sft/model/model.safetensors', 'eval/sft/report.json', 'pairs/token/pairs.jsonl',
      'pairs/sequence/stats.json', 'dpo/token/model/model.safetensors', 'dpo/sequence/metrics.jsonl', 'eval/token/report.json',
      'report.json', 'report.md', 'curve_loss.svg']) {
      expect(store.has(f), f).toBe(true);
    }
    const rep = report!;
    for (const arm of ['sft', 'sequence', 'token'] as const) {
      expect(rep.arms[arm].errorRate).toBeGreaterThanOrEqual(0);
      expect(rep.arms[arm].errorRate).toBeLessThanOrEqual(1);
      expect(rep.arms[arm].turns).toBeGreaterThan(0);
    }
    expect(rep.dpoFinal.token?.step).toBe(2);
    expect(rep.pairs.trainedOn.token).toBeGreaterThan(0);
    const md = new TextDecoder().decode(store.files.get('report.md'));
    expect(md).toContain('Error rates per category');
    expect(new TextDecoder().decode(store.files.get('curve_loss.svg'))).toMatch(/^<svg/);

    const tensors = tf.memory().numTensors;
    const again: string[] = [];
    await runPipeline({ store, events: { log: (l) => again.push(l) } }, r);
    expect(again.filter((l) => l.endsWith('skipped')).length).toBeGreaterThanOrEqual(8);
    expect(again.some((l) => l.endsWith(': running'))).toBe(false);
    expect(tf.memory().numTensors).toBe(tensors);

    // a changed DPO setting reruns DPO and the evaluations after it, nothing before
    const changed = resolvePipelineConfig(tiny, { dpo: { ...tiny.dpo, beta: 0.2 } });
    const third: string[] = [];
    await runPipeline({ store, events: { log: (l) => third.push(l) } }, changed);
    const reran = third.filter((l) => l.endsWith('rerunning')).map((l) => l.split(':')[0]);
    expect(reran.sort()).toEqual(['dpo/sequence', 'dpo/token', 'eval/sequence', 'eval/token']);

    // a corrupted artifact reruns its stage instead of being trusted
    store.files.set('eval/sft/report.json', new TextEncoder().encode('{"overall": tru'));
    const fourth: string[] = [];
    await runPipeline({ store, events: { log: (l) => fourth.push(l) } }, changed);
    expect(fourth).toContain('eval/sft: artifact eval/sft/report.json changed since the stage wrote it, rerunning');
    expect(JSON.parse(new TextDecoder().decode(store.files.get('eval/sft/report.json'))).overall.turns).toBeGreaterThan(0);
  }, 120_000);

  it('with control, trains TTPA\'s pairs under the NLL term alone and reports it beside the three arms', async () => {
    const store = memoryStore();
    const r = resolvePipelineConfig(tiny, { control: true, dpo: { ...tiny.dpo, rpoAlpha: 0 } });
    expect(r.dpoControl).toMatchObject({ lossType: 'nll', rpoAlpha: 1, steps: r.dpo.steps, lr: r.dpo.lr, seed: r.dpo.seed });
    const rep = (await runPipeline({ store, events: {} }, r))!;
    expect(store.has('dpo/control/model/model.safetensors')).toBe(true);
    const saved = JSON.parse(new TextDecoder().decode(store.files.get('dpo/control/model/dpo_config.json')));
    expect(saved.lossType).toBe('nll');
    expect(rep.pairs.trainedOn.control).toBe(rep.pairs.trainedOn.token);
    expect(rep.dpoFinal.control?.step).toBe(2);
    expect(rep.arms.control!.turns).toBe(rep.arms.token.turns);
    const md = new TextDecoder().decode(store.files.get('report.md'));
    expect(md).toContain('| SFT + NLL on TTPA chosen (control) |');
    expect(md).toMatch(/Control \(TTPA's pairs, the chosen side's NLL alone: what the preference term adds is the gap\): error \d+\.\d%, ESM \d\.\d{3}; TTPA (ties it|'s error is \d+\.\d pt \(\d+ of \d+ turns\) (lower|higher))\./);
    expect(md).toContain('| category | SFT | SFT + sequence DPO | SFT + TTPA | SFT + NLL on TTPA chosen (control) |');
    expect(new TextDecoder().decode(store.files.get('curve_margins.svg'))).toContain('control (NLL only)');
    expect(new TextDecoder().decode(store.files.get('curve_loss.svg'))).not.toContain('control (NLL only)');
    // without control the same store's report has no control arm (its stages are simply not run)
    const plain = (await runPipeline({ store, events: {} }, resolvePipelineConfig(tiny, { dpo: { ...tiny.dpo, rpoAlpha: 0 } })))!;
    expect(plain.arms.control).toBeUndefined();
    expect(new TextDecoder().decode(store.files.get('report.md'))).not.toContain('control');
  }, 120_000);

  it('with dpo.pairFilter error-fix, the DPO stages train on the kept pairs (shuffled as before) and record the count', async () => {
    const store = memoryStore();
    const logs: string[] = [];
    // The shipped model on longer answers builds branch pairs that are not error fixes (the tiny model's all are).
    const r = resolvePipelineConfig(tiny, { useStartModel: true, dpo: { ...tiny.dpo, pairFilter: 'error-fix' }, pairs: { ...tiny.pairs, prompts: 3, token: { maxNewTokens: 96 } } });
    const start = dirSource(resolve('models/default'));
    await runPipeline({ store, startModel: start, events: { log: (l) => logs.push(l) } }, r);
    const text = (p: string): string => new TextDecoder().decode(store.files.get(p));
    const records = parseDpoRecordsJsonl(text('pairs/token/pairs.jsonl'), 'pairs.jsonl');
    const fixes = records.filter((p) => p.ttpa!.kind !== 'branch' || p.ttpa!.rejected_source === 'base');
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes.length).toBeLessThan(records.length);
    expect(JSON.parse(text('dpo/token/stage.json')).summary).toMatchObject({ pairs: fixes.length, pairsAvailable: records.length, pairsKept: fixes.length });
    expect(logs).toContain(`dpo/token: ${fixes.length} of ${records.length} pairs kept by error-fix`);
    const { model, tokenizer } = await loadCheckpoint(start);
    try {
      const job = await runDpoJob({ model, tokenizer, records: createRng(r.dpo.seed).shuffle(fixes), config: { ...r.dpo, pairFilter: 'all' }, modelFiles: async () => ({}) });
      expect(Buffer.compare((await checkpointFiles(job.model, tokenizer))['model.safetensors'], store.files.get('dpo/token/model/model.safetensors')!)).toBe(0);
    } finally {
      disposeModel(model);
    }
  }, 120_000);

  it('names a bad preset field', () => {
    expect(() => resolvePipelineConfig({ ...tiny, control: 'yes' })).toThrow('pipeline.control must be a boolean, got "yes"');
    expect(() => resolvePipelineConfig({ ...tiny, dpoo: {} })).toThrow('pipeline.dpoo is not a known setting');
    expect(() => resolvePipelineConfig({ ...tiny, dpo: { beta: -1 } })).toThrow('dpo.beta must be > 0');
  });
});
