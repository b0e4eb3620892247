// The DPO stage's on-policy rounds (workers/loop_job.ts) through the engine API in Node, on a tiny preset: round 2
// decodes fresh train samples with the round-1 model, progress names the round, and missing data is refused.
import { unzipSync } from 'fflate';
import { expect, test } from 'vitest';
import type { DpoRoundResult, JobProgress, Sample } from '../../src/protocol.ts';
import { createDataApi } from '../../workers/data_api.ts';
import { createEngineApi } from '../../workers/engine_api.ts';

const MODEL = { kind: 'preset', preset: 'tiny', seed: 0, overrides: { max_position_embeddings: 512 } } as const;
const PAIRS = { maxPrompts: 1, maxNewTokens: 16, minTop1Prob: 0.99, maxEntropy: 0.01, spans: [], includeTextTurns: false, seed: 5 };
const DPO = { steps: 1, batchSize: 2, warmupSteps: 0, seqLen: 128, lr: 1e-2, seed: 11 };
/** The SFT anchor; its samples' first trained tokens lie past 256 tokens (the tool listing comes first). */
const ANCHORED = { anchorWeight: 1, seqLen: 512 };

test('two DPO rounds: round 2 builds pairs from fresh train samples with the round-1 model', async () => {
  const gen = await createDataApi().generate({ n: 24, seed: 3 });
  const split = (ids: string[]): Sample[] => gen.samples.filter((s) => ids.includes(s.id));
  const train = split(gen.splits.train);
  const val = split(gen.splits.val.length ? gen.splits.val : gen.splits.test);
  const engine = createEngineApi({ progressMs: 0 });
  await engine.init({ order: ['wasm'], threads: 1 });
  await engine.loadModel(MODEL, gen.samples);
  const round1 = await engine.runPairs({ config: PAIRS, samples: train });
  const usedSampleIds = round1.details.map((d) => d.sampleId);
  const rounds = { train, usedSampleIds, val, pairsConfig: round1.config };

  await expect(engine.runDpo({ runId: 'too-many', config: { ...DPO, rounds: 50 }, pairs: round1.pairs, rounds })).rejects.toThrow(/dpo\.rounds 50 needs 49 fresh slices of \d+ train samples/);
  await expect(engine.runDpo({ runId: 'no-val', config: { ...DPO, rounds: 2 }, pairs: round1.pairs, rounds: { ...rounds, val: [] } })).rejects.toThrow(/validation split is empty/);

  const events: JobProgress[] = [];
  const live: DpoRoundResult[] = [];
  // With the SFT anchor: round 1 anchors on the Pairs stage's samples, round 2 on its own (the step-by-step check below).
  const run = await engine.runDpo({ runId: 'loop', config: { ...DPO, ...ANCHORED, rounds: 2, valSamples: 1 }, pairs: round1.pairs, rounds, anchor: split(usedSampleIds) },
    (p) => events.push(p), (r) => live.push(r));
  expect(run).toMatchObject({ outcome: 'done', step: 2, total: 2, checkpointId: 'loop-checkpoint-2' });
  expect(run.rounds).toEqual(live);
  const [r1, r2] = run.rounds!;
  expect(r1).toMatchObject({ round: 1, pairs: round1.pairs.length, steps: 1, sampleIds: [...new Set(usedSampleIds)] });
  expect(r2).toMatchObject({ round: 2, steps: 1 });
  expect(r2.pairs).toBeGreaterThan(0);
  // Fresh train samples: none of round 1's, none from validation or test.
  expect(r2.sampleIds.length).toBeGreaterThan(0);
  for (const id of r2.sampleIds) {
    expect(r1.sampleIds).not.toContain(id);
    expect(gen.splits.train).toContain(id);
  }
  expect(r1.valTurns).toBeGreaterThan(0);
  expect(events.some((e) => /^round 1\/2/.test(e.message ?? ''))).toBe(true);
  expect(events.some((e) => /^round 2\/2: pairs/.test(e.message ?? ''))).toBe(true);
  const points = events.flatMap((e) => e.points);
  expect(points.map((p) => p.step)).toEqual([1, 2]);
  for (const p of points) expect(p['nll/anchor']).toBeGreaterThan(0);

  // Cancel within round 2: round 1 stays done and charted, the run ends stopped with the model kept.
  const stop = await engine.runDpo({ runId: 'stop', config: { ...DPO, rounds: 2, valSamples: 1 }, pairs: round1.pairs, rounds }, (p) => {
    if (/^round 2\/2/.test(p.message ?? '')) void engine.control('stop');
  });
  expect(stop).toMatchObject({ outcome: 'stopped', total: 2 });
  expect(stop.rounds!.map((r) => r.round)).toEqual([1]);
  expect(stop.checkpointId).toBe(`stop-checkpoint-${stop.step}`);

  // The same two rounds step by step: DPO on round 1's pairs, then pairs from that model on round 2's samples.
  const solo = createEngineApi();
  await solo.init({ order: ['wasm'], threads: 1 });
  await solo.loadModel(MODEL, gen.samples);
  const roundSamples = r2.sampleIds.map((id) => train.find((s) => s.id === id)!);
  const round2Config = { ...PAIRS, seed: PAIRS.seed + 7919 };
  const fromStart = await solo.runPairs({ config: round2Config, samples: roundSamples });
  const first = await solo.runDpo({ runId: 'solo-1', config: { ...DPO, ...ANCHORED, checkpointEvery: 0 }, pairs: round1.pairs, anchor: split(usedSampleIds) });
  const fromRound1 = await solo.runPairs({ config: round2Config, samples: roundSamples });
  expect(fromRound1.pairs).toHaveLength(r2.pairs);
  // The test can tell the models apart: the starting model decodes these samples into other pairs.
  expect(JSON.stringify(fromRound1.pairs)).not.toBe(JSON.stringify(fromStart.pairs));
  const second = await solo.runDpo({ runId: 'solo-2', config: { ...DPO, ...ANCHORED, seed: DPO.seed + 1, checkpointEvery: 0 }, pairs: fromRound1.pairs, anchor: roundSamples });
  expect(run.losses).toEqual([...first.losses, ...second.losses]);
  // The same weights at the end: the loop trained round 2 on exactly these pairs and anchor samples, from the round-1 model.
  const weights = async (api: typeof engine, id: string): Promise<Uint8Array> => unzipSync(new Uint8Array((await api.exportCheckpoint(id)).bytes))['model.safetensors'];
  expect(Buffer.compare(await weights(engine, run.checkpointId!), await weights(solo, second.checkpointId!))).toBe(0);
}, 240_000);
