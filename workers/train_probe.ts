// A fixed, seeded SFT run on random token sequences with a fresh preset model: the backend check
// (the same request on webgpu and wasm must give the same losses). No tokenizer, no files.
import { resolveModelConfig } from '../src/core/model/config.ts';
import { createModel, disposeModel } from '../src/core/model/params.ts';
import { createRng } from '../src/core/rng.ts';
import { resolveSftConfig } from '../src/core/train/config.ts';
import { modelPolicy } from '../src/core/train/policy.ts';
import { runSft } from '../src/core/train/sft.ts';
import type { EncodedSample } from '../src/core/train/sft_data.ts';
import type { BackendName, TrainStepsRequest, TrainStepsResult } from '../src/protocol.ts';

const SEQUENCES = 8;
const SEQ_LEN = 16;

export async function runTrainProbe(request: TrainStepsRequest, backend: BackendName): Promise<TrainStepsResult> {
  const modelConfig = resolveModelConfig(request.preset);
  const model = createModel(modelConfig, request.seed);
  const rng = createRng(request.seed + 1);
  const data: EncodedSample[] = Array.from({ length: SEQUENCES }, () => {
    const ids = Array.from({ length: SEQ_LEN }, () => 1 + rng.int(modelConfig.vocab_size - 1));
    return { ids, lossMask: ids.map(() => 1) };
  });
  const config = resolveSftConfig({
    steps: request.steps, lr: request.lr, warmupSteps: 0, batchSize: 4, seqLen: SEQ_LEN, seed: request.seed, checkpointEvery: 0,
  });
  try {
    const t0 = performance.now();
    const result = await runSft({
      policy: modelPolicy(model, config),
      data, config, padTokenId: 0,
      modelFiles: async () => ({}),
    });
    return { backend, losses: result.losses, stepMs: (performance.now() - t0) / request.steps };
  } finally {
    disposeModel(model);
  }
}
