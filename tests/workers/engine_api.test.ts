// The engine API object driven directly in Node (no Worker): backend init, models, SFT jobs with
// pause/stop/resume, checkpoints, export, and the backend-comparison probe.
import { unzipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import type { JobProgress } from '../../src/protocol.ts';
import type { PreferencePair } from '../../src/core/preference/pairing.ts';
import { createDataApi } from '../../workers/data_api.ts';
import { createEngineApi } from '../../workers/engine_api.ts';
import { tinyPairs, tinySamples } from './fixtures.ts';

describe('engine api', () => {
  test('init picks a backend, reports what it skipped, and is idempotent', async () => {
    const api = createEngineApi();
    await expect(api.status()).rejects.toThrow(/init\(\) first/);
    const report = await api.init({ order: ['webgpu', 'cpu'] });
    expect(report.backend).toBe('cpu');
    expect(report.skipped).toEqual([{ backend: 'webgpu', reason: expect.stringMatching(/navigator\.gpu/) }]);
    expect(await api.init({ order: ['wasm'] })).toBe(report);
    const status = await api.status();
    expect(status.backend.backend).toBe('cpu');
    expect(status.model).toBeUndefined();
  });

  test('resolveConfig fills defaults and names the bad field', async () => {
    const api = createEngineApi();
    expect(await api.resolveConfig('sft', { steps: 3 })).toMatchObject({ steps: 3, lr: expect.any(Number) });
    await expect(api.resolveConfig('sft', { lr: -1 })).rejects.toThrow('sft.lr must be > 0, got -1');
    await expect(api.resolveConfig('model', { preset: 'nope' })).rejects.toThrow(/preset must be one of/);
    await expect(api.resolveConfig('evaluate', { maxSamples: 0 })).rejects.toThrow('evaluate.maxSamples must be an integer >= 1, got 0');
    expect(await api.resolveConfig('pairs', {})).toMatchObject({ maxPrompts: 200, maxNewTokens: 96, mode: 'token' });
  });

  test('DPO starts from the demo preset\'s tuned settings, not a learning rate that makes the model refuse', async () => {
    const api = createEngineApi();
    expect(await api.resolveConfig('dpo', {})).toMatchObject({ lr: 1e-4, beta: 0.1, lossType: 'sigmoid', rpoAlpha: 1, steps: 120, batchSize: 4, gradAccumSteps: 2 });
    expect(await api.resolveConfig('dpo', { lr: 5e-4 })).toMatchObject({ lr: 5e-4, beta: 0.1 });
    expect(await api.resolveConfig('dpo', {})).toMatchObject({ rounds: 1, valSamples: 40 });
    await expect(api.resolveConfig('dpo', { rounds: 0 })).rejects.toThrow('dpo.rounds must be an integer >= 1, got 0');
    await expect(api.resolveConfig('dpo', { valSamples: 1.5 })).rejects.toThrow('dpo.valSamples must be an integer >= 1, got 1.5');
    expect(await api.resolveConfig('dpo', {})).toMatchObject({ anchorWeight: 0 });
    await expect(api.resolveConfig('dpo', { anchorWeight: -1 })).rejects.toThrow('dpo.anchorWeight must be >= 0, got -1');
    await expect(api.resolveConfig('dpo', { anchorWeight: 1, replicas: 2 })).rejects.toThrow('dpo.replicas 2: the SFT anchor (anchorWeight 1) trains in one replica, so set replicas to 1 or anchorWeight to 0');
    expect(await api.resolveConfig('dpo', {})).toMatchObject({ pairFilter: 'all' });
    await expect(api.resolveConfig('dpo', { pairFilter: 'fixes' })).rejects.toThrow('dpo.pairFilter must be one of all, correct-chosen, error-fix, base-rejected, one-per-turn, in-turn, got "fixes"');
  });
});

describe('engine api with a model', () => {
  test('default without a shipped folder builds a fresh model and says so', async () => {
    const api = createEngineApi();
    await api.init({ order: ['cpu'] });
    const info = await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 });
    expect(info).toMatchObject({ name: 'tiny', source: 'preset' });
    expect(info.vocabSize).toBeGreaterThan(256);
    expect((await api.status()).model?.name).toBe('tiny');
  });

  test('SFT runs with progress, stops on request, and resumes from its checkpoint', async () => {
    const api = createEngineApi({ progressMs: 0 });
    await api.init({ order: ['cpu'] });
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 });
    const samples = tinySamples();
    const events: JobProgress[] = [];
    const config = { steps: 4, batchSize: 2, warmupSteps: 0, lr: 5e-3, seqLen: 256, checkpointEvery: 0 };
    let stopAt = 2;
    const first = await api.runSft({ runId: 'r1', config, samples }, (p) => {
      events.push(p);
      if (p.step === stopAt) { stopAt = -1; void api.control('stop'); }
    });
    expect(first.outcome).toBe('stopped');
    expect(first.step).toBe(2);
    expect(first.checkpointId).toBe('r1-checkpoint-2');
    expect(events.flatMap((e) => e.points).map((p) => p.step)).toEqual([1, 2]);
    expect(events.at(-1)).toMatchObject({ stage: 'sft', step: 2, total: 4, metrics: { loss: expect.any(Number) } });
    const stored = await api.listCheckpoints();
    expect(stored.map((c) => [c.id, c.step, c.total, c.stage])).toEqual([['r1-checkpoint-2', 2, 4, 'sft']]);

    await api.loadModel({ kind: 'checkpoint', id: 'r1-checkpoint-2' });
    const second = await api.runSft({ runId: 'r1', config, samples, resumeFrom: 'r1-checkpoint-2' });
    expect(second).toMatchObject({ outcome: 'done', step: 4 });
    expect(second.losses).toHaveLength(2);
    expect((await api.listCheckpoints()).map((c) => c.id)).toEqual(['r1-checkpoint-4', 'r1-checkpoint-2']);

    const zip = await api.exportCheckpoint('r1-checkpoint-4');
    const files = unzipSync(new Uint8Array(zip.bytes));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']));
  });

  test('DPO with an SFT anchor trains on the given ground-truth samples and charts nll/anchor; without them it says what is missing', async () => {
    const api = createEngineApi({ progressMs: 0 });
    await api.init({ order: ['cpu'] });
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 });
    const config = { steps: 2, batchSize: 2, gradAccumSteps: 1, warmupSteps: 0, seqLen: 256, checkpointEvery: 0, anchorWeight: 1 };
    await expect(api.runDpo({ runId: 'no-anchor', config, pairs: tinyPairs() })).rejects.toThrow(/dpo\.anchorWeight is 1 but no anchor samples were given/);
    const events: JobProgress[] = [];
    const run = await api.runDpo({ runId: 'anchored', config, pairs: tinyPairs(), anchor: tinySamples() }, (p) => void events.push(p));
    expect(run).toMatchObject({ outcome: 'done', step: 2 });
    expect(run.notes[0]).toMatch(/SFT anchor: 3 ground-truth samples/);
    const points = events.flatMap((e) => e.points);
    expect(points.map((p) => p.step)).toEqual([1, 2]);
    for (const p of points) expect(p['nll/anchor']).toBeGreaterThan(0);
    // Off, the runs carry no anchor metric.
    const plain: JobProgress[] = [];
    await api.runDpo({ runId: 'plain', config: { ...config, anchorWeight: 0 }, pairs: tinyPairs(), anchor: tinySamples() }, (p) => void plain.push(p));
    expect(plain.flatMap((e) => e.points).some((p) => 'nll/anchor' in p)).toBe(false);
  });

  test('DPO with dpo.pairFilter trains on the kept pairs alone (the losses of those pairs given alone) and says how many it kept', async () => {
    const api = createEngineApi({ progressMs: 0 });
    await api.init({ order: ['cpu'] });
    // Pairs 0 and 2 become a branch chosen over another branch: not error fixes.
    const pairs = tinyPairs().map((p, i) => (i % 2 ? p : { ...p, kind: 'branch' as const, rejected: { ...p.rejected, source: 'branch' as const } }));
    const config = { steps: 2, batchSize: 2, gradAccumSteps: 1, warmupSteps: 0, seqLen: 256, checkpointEvery: 0, lr: 1e-2 };
    const run = async (runId: string, cfg: Record<string, unknown>, given: PreferencePair[]) => {
      await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 });
      return api.runDpo({ runId, config: cfg, pairs: given });
    };
    const filtered = await run('filtered', { ...config, pairFilter: 'error-fix' }, pairs);
    expect(filtered.notes[0]).toMatch(/^2 of 4 pairs kept by error-fix; 2 pairs used/);
    expect(filtered.config).toMatchObject({ pairFilter: 'error-fix' });
    const alone = await run('alone', config, [pairs[1], pairs[3]]);
    expect(filtered.losses).toHaveLength(2);
    expect(filtered.losses).toEqual(alone.losses);
    expect((await run('every', config, pairs)).losses).not.toEqual(alone.losses);
    await expect(run('none', { ...config, pairFilter: 'error-fix' }, [pairs[0], pairs[2]])).rejects.toThrow('dpo.pairFilter error-fix keeps none of the 2 pairs');
  });

  test('turnLogps reads every assistant turn teacher-forced, and after SFT on those turns compareTokens finds the margins raised', async () => {
    const api = createEngineApi({ progressMs: 0 });
    const data = createDataApi();
    await api.init({ order: ['cpu'] });
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1, overrides: { max_position_embeddings: 512 } });
    const samples = tinySamples();
    const { turns: before, skipped } = await api.turnLogps(samples);
    expect(skipped).toBe(0);
    expect(before.map((t) => `${t.sampleId}#${t.turn}`)).toEqual(expect.arrayContaining(samples.flatMap((s) => s.messages.flatMap((m, i) => (m.role === 'assistant' ? [`${s.id}#${i}`] : [])))));
    expect(before).toHaveLength(samples.reduce((n, s) => n + s.messages.filter((m) => m.role === 'assistant').length, 0));
    for (const t of before) {
      expect(t.truth.length).toBe(t.bestOther.length);
      expect(t.truth.length).toBeGreaterThan(0);
      for (const v of [...t.truth, ...t.bestOther]) expect(v).toBeLessThanOrEqual(0);
    }
    expect(await data.compareTokens(before, before)).toMatchObject({ higher: 0, lower: 0, fixed: 0, repaired: 0 });
    await api.runSft({ runId: 'fit', config: { steps: 6, batchSize: 3, warmupSteps: 0, lr: 1e-2, seqLen: 256, checkpointEvery: 0 }, samples });
    const t = await data.compareTokens(before, (await api.turnLogps(samples)).turns);
    expect(t.callTurns).toBe(before.filter((x) => x.call).length);
    expect(t.points).toBe(t.callTurns - t.cleanBefore);
    expect(t.points).toBeGreaterThan(0); // a random model misses every call turn
    expect(t.higher).toBeGreaterThan(t.lower);
    expect(t.medianChange).toBeGreaterThan(0);
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 }); // 128 positions: these samples are longer
    expect(await api.turnLogps(samples)).toEqual({ turns: [], skipped: samples.length });
  });

  test('pause holds the job between steps until resume', async () => {
    const api = createEngineApi({ progressMs: 0 });
    await api.init({ order: ['cpu'] });
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 });
    let pausedAt = 0;
    const run = api.runSft({ runId: 'r2', config: { steps: 3, batchSize: 2, warmupSteps: 0, checkpointEvery: 0 }, samples: tinySamples() }, (p) => {
      if (p.step === 1 && !pausedAt) { pausedAt = 1; void api.control('pause'); }
    });
    await new Promise((r) => setTimeout(r, 300));
    const status = await api.status();
    expect(status.job).toEqual({ stage: 'sft', paused: true });
    await api.control('resume');
    expect((await run).step).toBe(3);
  });
});

describe('engine api trainSteps', () => {
  const request = { preset: 'tiny', seed: 3, steps: 6, lr: 1e-2 };

  test('a seeded run is repeatable and lowers the loss', async () => {
    const api = createEngineApi();
    await api.init({ order: ['cpu'] });
    const a = await api.trainSteps(request);
    const b = await api.trainSteps(request);
    expect(a.backend).toBe('cpu');
    expect(a.losses).toHaveLength(6);
    expect(b.losses).toEqual(a.losses);
    expect(a.losses[0]).toBeGreaterThan(Math.log(64) - 0.2);
    expect(a.losses[5]).toBeLessThan(a.losses[0]);
  });

  test('leaves no tensors behind across runs', async () => {
    const api = createEngineApi();
    await api.init({ order: ['cpu'] });
    await api.trainSteps(request);
    const tensors = (await api.status()).memory.numTensors;
    await api.trainSteps(request);
    expect((await api.status()).memory.numTensors).toBe(tensors);
  });
});

describe('engine api memory plan', () => {
  test('SFT and DPO jobs refuse a step that cannot fit wasm\'s heap before any work, saying why and what fits', async () => {
    const api = createEngineApi({ progressMs: 0 });
    await api.init({ order: ['wasm'], threads: 1 });
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 });
    const events: JobProgress[] = [];
    await expect(api.runSft({ runId: 'huge', config: { steps: 2, batchSize: 4, seqLen: 200_000 }, samples: tinySamples() }, (p) => void events.push(p)))
      .rejects.toThrow(/needs about [\d.]+ GiB for an SFT step at 200000 tokens × 4 sequence\(s\) with gradient checkpointing on wasm .*; the same at \d+ tokens fits/);
    const side = (text: string, esm: number): PreferencePair['chosen'] => ({ text, ids: [], esm, categories: [], source: 'ground_truth' as PreferencePair['chosen']['source'] });
    const pair: PreferencePair = {
      sampleId: 's0', turnIndex: 1, turnType: 'text', mode: 'turn', kind: 'turn', prompt: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [],
      prefix: '', chosen: side('Cold.', 1), rejected: side('Hot.', 0), divergenceIndex: null, spanType: null, margin: 1,
    } as PreferencePair;
    await expect(api.runDpo({ runId: 'huge-dpo', config: { steps: 1, batchSize: 4, seqLen: 200_000, gradientCheckpointing: 'off' }, pairs: [pair, pair] }, (p) => void events.push(p)))
      .rejects.toThrow(/needs about [\d.]+ GiB for a DPO step \(all weights\) at 200000 tokens × 4 pair\(s\) on wasm .*fits/);
    expect(events.filter((e) => e.step > 0)).toEqual([]);
    expect((await api.status()).job).toBeUndefined();
  });
});
