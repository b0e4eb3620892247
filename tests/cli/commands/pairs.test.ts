import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../../src/cli/args.ts';
import { pairsCommand } from '../../../src/cli/commands/pairs.ts';
import { writeFiles } from '../../../src/cli/files.ts';
import { checkpointFiles } from '../../../src/core/runtime/checkpoint.ts';
import { buildPairs } from '../../../src/core/preference/build_pairs.ts';
import { resolvePreferenceConfig } from '../../../src/core/preference/config.ts';
import { pairsToTrlJsonl, validateTrlRecord } from '../../../src/core/preference/trl_export.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { SAMPLES, randomModel, testTokenizer, useWasm, weatherSample } from '../../core/preference/fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-pairs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (argv: string[]): Promise<number> => pairsCommand.run(parseArgs(argv, pairsCommand.options));

/** Runs the command with stderr captured. */
async function quiet(argv: string[], onLine?: (line: string) => void): Promise<{ code: number; log: string }> {
  const lines: string[] = [];
  const err = vi.spyOn(console, 'error').mockImplementation((m) => {
    lines.push(String(m));
    onLine?.(String(m));
  });
  try {
    return { code: await run(argv), log: lines.join('\n') };
  } finally {
    err.mockRestore();
  }
}

describe('ttpa pairs', () => {
  it('writes TRL preference JSONL and a stats JSON next to it, with progress on stderr', async () => {
    await useWasm();
    writeFiles(join(dir, 'model'), await checkpointFiles(randomModel(3), testTokenizer()));
    const data = join(dir, 'train.jsonl');
    writeFileSync(data, SAMPLES.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = join(dir, 'pairs.jsonl');
    const code = await run(['--model', join(dir, 'model'), '--data', data, '--out', out, '--mode', 'token', '--limit', '2', '--max-new-tokens', '16', '--spans', 'any', '--backend', 'wasm']);
    const log = err.mock.calls.map((c) => String(c[0])).join('\n');
    err.mockRestore();
    expect(code).toBe(0);
    // Two samples: each has a tool-call turn and a plain-answer turn.
    expect(log).toMatch(/pairs: 4\/4 prompts/);
    const lines = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(validateTrlRecord(l)).toEqual([]);
    const stats = JSON.parse(readFileSync(join(dir, 'pairs.stats.json'), 'utf8'));
    expect(stats.prompts).toBe(4);
    expect(stats.promptsByTurn).toEqual({ call: 2, text: 2 });
    expect(stats.pairs).toBe(lines.length);
    expect(stats.config.mode).toBe('token');
    await run(['--model', join(dir, 'model'), '--data', data, '--out', out, '--limit', '2', '--max-new-tokens', '16', '--no-text-turns', '--overwrite', '--backend', 'wasm']);
    expect(JSON.parse(readFileSync(join(dir, 'pairs.stats.json'), 'utf8')).promptsByTurn).toEqual({ call: 2, text: 0 });
  }, 60_000);

  it('names a bad setting', async () => {
    await expect(run(['--model', dir, '--data', join(dir, 'train.jsonl'), '--out', join(dir, 'x.jsonl'), '--top-k', '1'])).rejects.toThrow('preference.topK must be an integer >= 2, got 1');
    await expect(run(['--model', dir, '--data', join(dir, 'train.jsonl'), '--out', join(dir, 'x.jsonl'), '--shard', '2/2'])).rejects.toThrow("--shard must be K/N with 0 <= K < N (e.g. 0/2), got '2/2'");
    await expect(run(['--data', join(dir, 'train.jsonl'), '--out', join(dir, 'x.jsonl')])).rejects.toThrow('missing required option --model');
  });
});

describe('ttpa pairs: a build that is stopped, killed or split ends as one uninterrupted build', () => {
  // Six samples, sample 4 a copy of sample 0 (same id): its greedy pairs repeat sample 0's and are dropped,
  // across shards too (0 and 4 fall in different ones with --shard K/3). Branches sample (temperature 1),
  // so every prompt's seed matters.
  const samples = [...SAMPLES, weatherSample('oslo', 'Oslo'), SAMPLES[0], weatherSample('lima', 'Lima', 'Lima weather?')];
  const data = join(dir, 'six.jsonl');
  const model = join(dir, 'model6');
  const args = (out: string, ...extra: string[]): string[] =>
    ['--model', model, '--data', data, '--out', out, '--max-new-tokens', '16', '--spans', 'any', '--branch-temperature', '1', '--seed', '5', '--backend', 'wasm', ...extra];
  const ref = join(dir, 'ref.jsonl');
  const bytes = (p: string): string => readFileSync(p, 'utf8');
  const progressLines = (out: string): number => bytes(out.replace(/\.jsonl$/, '.progress.jsonl')).split('\n').filter(Boolean).length;
  const stats = (out: string): Record<string, unknown> => {
    const { elapsedMs: _e, branchMs: _b, ...rest } = JSON.parse(bytes(out.replace(/\.jsonl$/, '.stats.json')));
    return rest;
  };

  beforeAll(async () => {
    await useWasm();
    writeFiles(model, await checkpointFiles(randomModel(3), testTokenizer()));
    writeFileSync(data, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
    expect((await quiet(args(ref))).code).toBe(0);
  }, 60_000);

  it('streams exactly the pairs buildPairs returns, duplicates across samples dropped', async () => {
    const m = randomModel(3);
    try {
      const config = resolvePreferenceConfig({ maxNewTokens: 16, spans: [], branchTemperature: 1, seed: 5 });
      const built = await buildPairs(m, testTokenizer(), samples, config);
      expect(built.stats.duplicatesRemoved).toBeGreaterThan(0);
      expect(bytes(ref)).toBe(pairsToTrlJsonl(built.pairs));
      const { elapsedMs: _e, branchMs: _b, ...want } = built.stats;
      expect(stats(ref)).toEqual({ config, backend: 'wasm', ...want });
    } finally {
      disposeModel(m);
    }
  }, 60_000);

  it('stopped (Ctrl-C) after a sample, then rerun: continues and ends byte-identical', async () => {
    const out = join(dir, 'stopped.jsonl');
    let sent = false;
    const first = await quiet(args(out), (line) => {
      if (sent || !line.startsWith('pairs: ')) return;
      sent = true;
      process.emit('SIGINT');
    });
    expect(first.code).toBe(130);
    expect(first.log).toMatch(/stopped: 1\/6 samples done/); // Ctrl-C came as sample 0 finished
    expect(existsSync(out.replace(/\.jsonl$/, '.stats.json'))).toBe(false);
    const second = await quiet(args(out));
    expect(second.code).toBe(0);
    expect(second.log).toMatch(/resuming .*stopped\.jsonl: 1\/6 samples done/);
    expect(bytes(out)).toBe(bytes(ref));
    expect(stats(out)).toEqual(stats(ref));
    const again = await quiet(args(out)); // a finished build: nothing left to do, nothing changed
    expect(again.code).toBe(0);
    expect(bytes(out)).toBe(bytes(ref));
  }, 60_000);

  it('a pairs file cut mid-line (a kill during a write) loses only that sample; the rerun ends byte-identical', async () => {
    const out = join(dir, 'torn.jsonl');
    for (const suffix of ['.jsonl', '.progress.jsonl']) copyFileSync(ref.replace('.jsonl', suffix), out.replace('.jsonl', suffix));
    const text = bytes(ref);
    const cut = text.indexOf('\n', Math.floor(text.length / 2)) - 7; // inside a line
    truncateSync(out, Buffer.byteLength(text.slice(0, cut)));
    appendFileSync(out.replace('.jsonl', '.progress.jsonl'), '{"sample": 6, "pai'); // and a progress line cut short
    const r = await quiet(args(out));
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/dropped \d+ bytes past the last whole sample/);
    expect(r.log).toMatch(/sample\(s\) had pairs missing/);
    expect(bytes(out)).toBe(bytes(ref));
    expect(stats(out)).toEqual(stats(ref));
    expect(progressLines(out)).toBe(7); // the progress file was cut back with it: header + 6 samples
    expect((await quiet(args(out))).code).toBe(0);
  }, 60_000);

  it.each([
    ['killed (SIGKILL)', 'SIGKILL', null, 'SIGKILL'],
    ['stopped by SIGINT (Ctrl-C)', 'SIGINT', 130, null],
  ] as const)('%s in a child process, then rerun: ends byte-identical', async (_name, signal, wantCode, wantSignal) => {
    const out = join(dir, `child-${signal}.jsonl`);
    const progress = out.replace(/\.jsonl$/, '.progress.jsonl');
    const exit = await new Promise<{ code: number | null; signal: string | null }>((done) => {
      const child = spawn(process.execPath, [resolve('bin/ttpa.mjs'), 'pairs', ...args(out), '--threads', '1'], { stdio: 'ignore' });
      let sent = false;
      const poll = setInterval(() => {
        if (sent || !existsSync(progress) || progressLines(out) < 2) return; // header + 1 sample
        sent = true;
        child.kill(signal);
      }, 5);
      child.on('exit', (code, sig) => {
        clearInterval(poll);
        done({ code, signal: sig });
      });
    });
    expect(exit).toEqual({ code: wantCode, signal: wantSignal });
    expect(progressLines(out)).toBeLessThan(7);
    expect(existsSync(out.replace(/\.jsonl$/, '.stats.json'))).toBe(false);
    const r = await quiet(args(out));
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/resuming/);
    expect(bytes(out)).toBe(bytes(ref));
  }, 90_000);

  it('refuses to continue a build with other settings, naming the file and the field; --overwrite starts over', async () => {
    const out = join(dir, 'other.jsonl');
    for (const suffix of ['.jsonl', '.progress.jsonl']) copyFileSync(ref.replace('.jsonl', suffix), out.replace('.jsonl', suffix));
    await expect(quiet(args(out, '--max-new-tokens', '12'))).rejects.toThrow(/other\.jsonl was built \(6\/6 samples, .*other\.progress\.jsonl\) with other settings: preference\.maxNewTokens: 16 in the build, 12 in this run; .*--overwrite/);
    await expect(quiet(args(out, '--limit', '4'))).rejects.toThrow(/samples: 6 in the build, 4 in this run/);
    await expect(quiet(args(out, '--shard', '1/2'))).rejects.toThrow(/shard: null in the build, \{"count":2,"index":1\} in this run/);
    const edited = join(dir, 'six-edited.jsonl'); // the data file changed since the build (a sample's question)
    writeFileSync(edited, bytes(data).replace('Lima weather?', 'Weather in Lima?'));
    await expect(quiet(args(out, '--data', edited))).rejects.toThrow(/with other settings: data \(sha256 of the data file\): "[0-9a-f]{12}\.\.\." in the build, "[0-9a-f]{12}\.\.\." in this run/);
    expect(bytes(out)).toBe(bytes(ref)); // nothing touched
    const r = await quiet(args(out, '--max-new-tokens', '12', '--overwrite'));
    expect(r.code).toBe(0);
    expect(bytes(out)).not.toBe(bytes(ref));
    expect(JSON.parse(bytes(out.replace('.jsonl', '.stats.json'))).config.maxNewTokens).toBe(12);
    // A pairs file from before progress files existed is refused as before.
    const old = join(dir, 'old.jsonl');
    writeFileSync(old, '');
    await expect(quiet(args(old))).rejects.toThrow(/old\.jsonl already exists; give --overwrite/);
  }, 60_000);

  it('--shard K/N builds every N-th sample; --merge gives the unsharded file, byte for byte', async () => {
    const shards = [0, 1, 2].map((k) => join(dir, `shard${k}.jsonl`));
    for (const [k, out] of shards.entries()) expect((await quiet(args(out, '--shard', `${k}/3`))).code).toBe(0);
    expect(JSON.parse(bytes(join(dir, 'shard1.stats.json'))).prompts).toBe(4); // samples 1 and 4
    const merged = join(dir, 'merged.jsonl');
    await expect(run(['--merge', '--out', merged, shards[0], shards[2]])).rejects.toThrow('shard 1/3 is missing');
    // A build flag beside --merge would be ignored: it is refused by name, before any file is read.
    await expect(run(['--merge', '--out', merged, '--limit', '5', ...shards])).rejects.toThrow('--limit has no effect on a merge');
    // A shard of another build (here: --limit 5) is named, with what differs.
    const limited = join(dir, 'shard1-limit5.jsonl');
    expect((await quiet(args(limited, '--shard', '1/3', '--limit', '5'))).code).toBe(0);
    await expect(run(['--merge', '--out', merged, shards[0], limited, shards[2]])).rejects.toThrow(/shard1-limit5\.jsonl is from another build than .*shard0\.jsonl: samples: 6 in .*shard0\.jsonl, 5 in .*shard1-limit5\.jsonl/);
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await run(['--merge', '--out', merged, shards[2], shards[0], shards[1]])).toBe(0);
    } finally {
      err.mockRestore();
    }
    expect(bytes(merged)).toBe(bytes(ref));
    expect(stats(merged)).toEqual(stats(ref));
    const rerun = await quiet(args(merged)); // the unsharded command sees a finished build
    expect(rerun.code).toBe(0);
    expect(rerun.log).not.toMatch(/pairs: /);
    expect(bytes(merged)).toBe(bytes(ref));
    // An unfinished shard is named, not merged.
    const half = join(dir, 'shard1b.jsonl');
    for (const suffix of ['.jsonl', '.progress.jsonl']) copyFileSync(shards[1].replace('.jsonl', suffix), half.replace('.jsonl', suffix));
    const lines = bytes(half.replace('.jsonl', '.progress.jsonl')).split('\n');
    writeFileSync(half.replace('.jsonl', '.progress.jsonl'), lines.slice(0, 2).join('\n') + '\n');
    await expect(run(['--merge', '--out', join(dir, 'm2.jsonl'), shards[0], half, shards[2]])).rejects.toThrow(/shard1b\.jsonl is shard 1\/3 with 1 of its 2 samples done/);
    expect(statSync(join(dir, 'merged.jsonl')).size).toBeGreaterThan(0);
  }, 90_000);
});
