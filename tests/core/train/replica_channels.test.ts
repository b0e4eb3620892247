// Replicas over message channels without a real worker: each channel's port hands a structured clone of the
// request to core's replica server in this runtime and the clone of its reply back, as a worker would.
// Real transports: tests/cli/replica_pool.test.ts (worker threads), tests/browser/replicas.test.ts (Web Workers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, disposeModel } from '../../../src/core/model/params.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { createRng } from '../../../src/core/rng.ts';
import { resolveSftConfig } from '../../../src/core/train/config.ts';
import { modelPolicy } from '../../../src/core/train/policy.ts';
import { sftReplicaSpec } from '../../../src/core/train/replica.ts';
import { ReplicaChannel, startChannelPool, type ReplicaReply, type ReplicaRequest } from '../../../src/core/train/replica_channels.ts';
import { replicaServer } from '../../../src/core/train/replica_server.ts';
import type { EncodedSample } from '../../../src/core/train/sft_data.ts';
import { runSft } from '../../../src/core/train/sft.ts';

const modelConfig = resolveModelConfig('tiny');
const rng = createRng(3);
const data: EncodedSample[] = Array.from({ length: 6 }, (_, i) => {
  const ids = Array.from({ length: 6 + 3 * i }, () => 1 + rng.int(modelConfig.vocab_size - 1));
  return { ids, lossMask: ids.map((_, t) => (t >= 2 ? 1 : 0)) };
});
const config = resolveSftConfig({ steps: 3, lr: 3e-2, batchSize: 3, seqLen: 64, warmupSteps: 0, checkpointEvery: 0, seed: 2 });

/** A channel whose "worker" is a replica server here; `posted` records the requests' types. */
function loopbackChannel(index: number, posted: string[] = []): ReplicaChannel {
  const answer = replicaServer();
  const channel: ReplicaChannel = new ReplicaChannel(index, 'loopback', {
    post: (m: ReplicaRequest) => {
      posted.push(m.type);
      void answer(structuredClone(m)).then((r: ReplicaReply) => channel.receive(structuredClone(r)));
    },
    terminate: () => channel.fail('stopped'),
  });
  return channel;
}

describe('replicas over channels', () => {
  beforeAll(async () => {
    await initBackend({ order: ['cpu'] });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a pool of two channels, this runtime only combining, trains to the losses of this runtime alone (1e-4)', async () => {
    const train = async (channels: number): Promise<number[]> => {
      const model = createModel(modelConfig, 5);
      const run = { data, config, padTokenId: 0 };
      const posted: string[] = [];
      const pool = channels
        ? await startChannelPool(await sftReplicaSpec(model, run), Array.from({ length: channels }, (_, i) => loopbackChannel(i + 1, posted)), { backend: 'cpu', threads: 1, localShare: false })
        : undefined;
      try {
        const result = await runSft({ ...run, policy: modelPolicy(model, config), modelFiles: async () => ({}), replicas: pool });
        if (pool) {
          expect(pool.description).toBe('2 loopbacks, cpu each');
          expect(posted.filter((t) => t === 'compute')).toHaveLength(2 * config.steps);
        }
        return result.losses;
      } finally {
        await pool?.close();
        disposeModel(model);
      }
    };
    const one = await train(0);
    const two = await train(2);
    expect(one[2]).not.toBe(one[0]);
    one.forEach((l, i) => expect(Math.abs(l - two[i]), `loss of step ${i + 1}`).toBeLessThan(1e-4));
  });

  it('a request before init, a failed one and a failed channel each reject naming the replica', async () => {
    const channel = loopbackChannel(4);
    await expect(channel.request({ type: 'compute', weights: {}, groups: [], step: 0 })).rejects.toThrow('data-parallel replica 4 (loopback): compute before init');
    const idle = new ReplicaChannel(2, 'web worker', { post: () => undefined, terminate: () => undefined });
    const inFlight = idle.request({ type: 'set-references', refs: [] });
    idle.fail('its web worker failed to load or crashed');
    await expect(inFlight).rejects.toThrow('data-parallel replica 2 (web worker): its web worker failed to load or crashed');
    await expect(idle.request({ type: 'set-references', refs: [] })).rejects.toThrow('replica 2 (web worker): its web worker failed to load or crashed');
  });
});
