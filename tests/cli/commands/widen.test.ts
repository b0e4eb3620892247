import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../../src/core/model/model.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { checkpointFiles, loadCheckpoint } from '../../../src/core/runtime/checkpoint.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { writeDirAtomic } from '../../../src/cli/atomic_write.ts';
import { dirSource } from '../../../src/cli/files.ts';
import { tinyModel, useBackend } from '../../core/model/helpers.ts';
import { testTokenizer } from '../../core/preference/fixture.ts';
import { runMain } from '../run_main.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-widen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const step = join(dir, 'small-model');
beforeAll(async () => {
  await useBackend('wasm');
  // A tiny llama with random norm gains, written as an HF folder with the preference tests' tokenizer.
  const tokenizer = testTokenizer();
  const model = tinyModel('tiny', 3, { vocab_size: tokenizer.vocabSize });
  writeDirAtomic(step, await checkpointFiles(model, tokenizer));
  disposeModel(model);
});

async function logitsOf(folder: string, ids: number[]): Promise<Float32Array> {
  const { model } = await loadCheckpoint(dirSource(folder));
  try {
    return tf.tidy(() => forward(model, tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync() as Float32Array);
  } finally {
    disposeModel(model);
  }
}

describe('ttpa widen', () => {
  const small = join(dir, 'small');
  it('writes a wider HF checkpoint with the same logits, its factors in widen.json', async () => {
    const r = await runMain(['widen', '--model', step, '--hidden-size', '64', '--intermediate-size', '192', '--out', small]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/hidden 32 -> 64, heads 4\/2 -> 8\/4, MLP 64 -> 192/);
    const config = JSON.parse(readFileSync(join(small, 'config.json'), 'utf8'));
    expect([config.hidden_size, config.num_attention_heads, config.num_key_value_heads, config.intermediate_size]).toEqual([64, 8, 4, 192]);
    expect(JSON.parse(readFileSync(join(small, 'widen.json'), 'utf8'))).toEqual({ widened_from: step, hidden_factor: 2, mlp_factor: 3, seed: 1 });
    const ids = [1, 5, 9, 30, 2, 7];
    const want = await logitsOf(step, ids);
    const got = await logitsOf(small, ids);
    expect(Math.max(...want.map((w, i) => Math.abs(w - got[i])))).toBeLessThan(1e-4);
  });

  it('refuses an unreachable size, an existing output and a missing model, writing nothing', async () => {
    const bad = await runMain(['widen', '--model', step, '--hidden-size', '48', '--out', join(dir, 'bad')]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/hidden_size 48 must be a whole multiple of 32/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    const again = await runMain(['widen', '--model', step, '--hidden-size', '64', '--out', small]);
    expect(again.err).toMatch(/already exists; give --overwrite/);
    const missing = await runMain(['widen', '--model', join(dir, 'nope'), '--hidden-size', '64', '--out', join(dir, 'x')]);
    expect(missing.err).toMatch(/--model .*nope does not exist/);
  });
});
