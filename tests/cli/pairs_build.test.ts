// buildPairsFile's handling of the files around a build; the build itself (resume, kill, shards) is
// tested through the command in tests/cli/commands/pairs.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPairsFile } from '../../src/cli/pairs_build.ts';
import { progressPath, statsPath, type PairsIdentity } from '../../src/cli/pairs_progress.ts';
import { resolvePreferenceConfig } from '../../src/core/preference/config.ts';
import { resolveScoringConfig } from '../../src/core/scoring/config.ts';
import { SAMPLES, randomModel, testTokenizer, useWasm } from '../core/preference/fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-pairs-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const identity: PairsIdentity = {
  model: 'm', data: 'd', samples: SAMPLES.length, preference: resolvePreferenceConfig({ maxNewTokens: 8 }), scoring: resolveScoringConfig(), backend: 'wasm', shard: null,
};

describe('buildPairsFile', () => {
  it('stopped (Ctrl-C) while the model loads: writes nothing, and --overwrite keeps the old build', async () => {
    await useWasm();
    const job = (out: string, overwrite: boolean) => {
      const stop = new AbortController();
      const loadModel = async () => {
        stop.abort(); // the signal comes in during the load
        return { model: randomModel(3), tokenizer: testTokenizer() };
      };
      return { out, samples: SAMPLES, identity, paths: { model: 'm', data: 'd' }, overwrite, loadModel, signal: stop.signal };
    };
    const old = join(dir, 'old.jsonl');
    const files = { [old]: '{"old": 1}\n', [progressPath(old)]: '{"ttpa_pairs_progress": 1}\n', [statsPath(old)]: '{}\n' };
    for (const [p, text] of Object.entries(files)) writeFileSync(p, text);
    expect(await buildPairsFile(job(old, true))).toEqual({ done: 0, total: 3, resumed: 0 });
    for (const [p, text] of Object.entries(files)) expect(readFileSync(p, 'utf8'), p).toBe(text);
    const fresh = join(dir, 'fresh.jsonl');
    expect(await buildPairsFile(job(fresh, false))).toEqual({ done: 0, total: 3, resumed: 0 });
    expect([fresh, progressPath(fresh), statsPath(fresh)].filter((p) => existsSync(p))).toEqual([]);
  }, 60_000);
});
