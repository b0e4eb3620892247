// Training runs on disk: kill -9 while a checkpoint is written, torn metrics, resume rules, reruns over
// finished runs, and the divergence guard, through the real CLI on the shipped default model.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/core/runtime/safetensors.ts';
import { runMain } from './run_main.ts';

const M = resolve('models/default');
const dir = mkdtempSync(join(tmpdir(), 'ttpa-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'd', 'train.jsonl');
const pairs = join(dir, 'pairs.jsonl');
const SFT = (out: string, ...more: string[]): string[] => ['sft', '--data', data, '--out', out, '--batch-size', '2', '--seq-len', '64', '--warmup', '0', ...more];
const DPO = (out: string, ...more: string[]): string[] => ['dpo', '--model', M, '--pairs', pairs, '--out', out, '--batch-size', '2', '--seq-len', '64', ...more];
const listing = (d: string): string[] => readdirSync(d).sort();
const snapshot = (d: string): Record<string, string> => Object.fromEntries(listing(d).filter((f) => f.endsWith('.json') || f.endsWith('.jsonl')).map((f) => [f, readFileSync(join(d, f), 'utf8')]));
const steps = (out: string): number[] => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);

let sftDone: string;
let dpoDone: string;
beforeAll(async () => {
  expect((await runMain(['data', '--n', '40', '--seed', '1', '--out', join(dir, 'd')])).code).toBe(0);
  const rows = [['Paris', 'Sunny.', 'Rainy.'], ['Oslo', 'Cold.', 'Hot.'], ['Lima', 'Mild.', 'Snowing.'], ['Quito', 'Cool.', 'Scorching.']]
    .map(([city, good, bad]) => ({ prompt: [{ role: 'user', content: `Weather in ${city}?` }], chosen: [{ role: 'assistant', content: good }], rejected: [{ role: 'assistant', content: bad }] }));
  writeFileSync(pairs, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  sftDone = join(dir, 'sft-done');
  expect((await runMain(SFT(sftDone, '--model', M, '--steps', '4', '--checkpoint-every', '2'))).code).toBe(0);
  dpoDone = join(dir, 'dpo-done');
  expect((await runMain(DPO(dpoDone, '--steps', '2'))).code).toBe(0);
}, 120_000);

/** Spawns the CLI and kills it (SIGKILL) the moment an entry whose name matches `pattern` appears in `out`. */
function killWhenAppears(argv: string[], out: string, pattern: RegExp): Promise<{ signal: string | null; seen?: string }> {
  mkdirSync(out, { recursive: true });
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve('bin/ttpa.mjs'), ...argv], { stdio: 'ignore' });
    let seen: string | undefined;
    const watcher = watch(out, (_event, name) => {
      if (seen || !name || !pattern.test(name)) return;
      seen = name;
      child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      watcher.close();
      done({ signal, seen });
    });
  });
}

describe('checkpoints survive kill -9', () => {
  it.each([
    ['sft', (out: string) => SFT(out, '--steps', '30', '--checkpoint-every', '10', '--batch-size', '1'), ['--model', M]],
    ['dpo', (out: string) => DPO(out, '--steps', '30', '--checkpoint-every', '10', '--batch-size', '1'), []],
  ] as const)('%s: killed as checkpoint-20 appears, --resume continues from the newest complete checkpoint', async (name, argv, start) => {
    const out = join(dir, `kill-${name}`);
    const killed = await killWhenAppears([...argv(out), ...start], out, /checkpoint-20/);
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await runMain([...argv(out), '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/resuming from .*checkpoint-(10|20) \(step (10|20)\)/);
    expect(steps(out)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(listing(out).filter((f) => f.startsWith('.'))).toEqual([]); // the killed run's temporaries are gone
  }, 120_000);

  it('an incomplete checkpoint folder (left by an older version) is named and skipped', async () => {
    const out = join(dir, 'empty-ckpt');
    cpSync(sftDone, out, { recursive: true });
    rmSync(join(out, 'checkpoint-4'), { recursive: true });
    mkdirSync(join(out, 'checkpoint-4'));
    const r = await runMain([...SFT(out, '--steps', '4', '--checkpoint-every', '2'), '--resume']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/skipping .*checkpoint-4, incomplete or corrupt \(missing trainer_state.json\)/);
    expect(r.out).toMatch(/resuming from .*checkpoint-2 \(step 2\)/);
    expect(existsSync(join(out, 'checkpoint-4', 'model.safetensors'))).toBe(true);
  }, 60_000);

  it('a torn last line of metrics.jsonl is named and dropped on resume', async () => {
    const out = join(dir, 'torn');
    cpSync(sftDone, out, { recursive: true });
    rmSync(join(out, 'checkpoint-4'), { recursive: true });
    writeFileSync(join(out, 'metrics.jsonl'), readFileSync(join(out, 'metrics.jsonl'), 'utf8') + '{"step": 5, "loss": 0.1, "lr');
    const r = await runMain([...SFT(out, '--steps', '4', '--checkpoint-every', '2'), '--resume']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`dropping ${join(out, 'metrics.jsonl')}:5: not valid JSON`);
    expect(steps(out)).toEqual([1, 2, 3, 4]);
  }, 60_000);
});

describe('a finished run is never modified by a new one', () => {
  it('sft: a rerun is refused; with --overwrite a failing rerun leaves the old run whole', async () => {
    const out = join(dir, 'sft-rerun');
    cpSync(sftDone, out, { recursive: true });
    const before = snapshot(out);
    const refused = await runMain(SFT(out, '--model', M, '--lr', '1e6', '--checkpoint-every', '1'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/already holds a run .*--resume .*--overwrite/);
    const failed = await runMain(SFT(out, '--model', M, '--lr', '1e6', '--checkpoint-every', '1', '--overwrite'));
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(new RegExp(`diverged.*${out} is unchanged`));
    expect(snapshot(out)).toEqual(before);
    expect(listing(out)).toEqual(['checkpoint-2', 'checkpoint-4', 'metrics.jsonl', 'run.json']);
    expect(existsSync(`${out}.new`)).toBe(false); // no checkpoint passed the guard, so nothing is kept
  }, 60_000);

  it('sft: --overwrite that succeeds replaces the run whole', async () => {
    const out = join(dir, 'sft-replace');
    cpSync(sftDone, out, { recursive: true });
    const r = await runMain(SFT(out, '--model', M, '--steps', '1', '--overwrite'));
    expect(r.code, r.err).toBe(0);
    expect(listing(out)).toEqual(['checkpoint-1', 'metrics.jsonl', 'run.json']);
    expect(steps(out)).toEqual([1]);
  }, 60_000);

  it('a kill in the middle of an --overwrite swap puts the old run back on the next command', async () => {
    const out = join(dir, 'swap');
    cpSync(sftDone, join(dir, '.swap.old-999999999'), { recursive: true }); // out was moved aside, the new run never moved in
    const r = await runMain([...SFT(out, '--steps', '4', '--checkpoint-every', '2'), '--resume']);
    expect(r.code, r.err).toBe(0);
    expect(snapshot(out)).toEqual(snapshot(sftDone));
    expect(existsSync(join(dir, '.swap.old-999999999'))).toBe(false);
  }, 60_000);

  it('dpo: a failing rerun (bad LoRA target) leaves metrics, config and model of the finished run', async () => {
    const out = join(dir, 'dpo-rerun');
    cpSync(dpoDone, out, { recursive: true });
    const before = snapshot(out);
    expect((await runMain(DPO(out, '--adapter', 'lora', '--lora-targets', 'bogus_proj'))).code).toBe(2);
    const r = await runMain(DPO(out, '--adapter', 'lora', '--lora-targets', 'bogus_proj', '--overwrite'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bogus_proj.*is unchanged/);
    expect(snapshot(out)).toEqual(before);
    expect(snapshot(join(out, 'model'))).toEqual(snapshot(join(dpoDone, 'model')));
  }, 60_000);
});

describe('--resume continues the same run', () => {
  it('refuses other data and other settings (only --steps may change)', async () => {
    const out = join(dir, 'resume-rules');
    cpSync(sftDone, out, { recursive: true });
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, readFileSync(data, 'utf8').split('\n').slice(0, 10).join('\n') + '\n');
    const otherData = await runMain(['sft', '--data', other, '--out', out, '--resume']);
    expect(otherData.code).toBe(2);
    expect(otherData.err).toMatch(/--data .*other\.jsonl is not the file this run started on/);
    const otherLr = await runMain(['sft', '--data', data, '--out', out, '--resume', '--lr', '0.5']);
    expect(otherLr.code).toBe(2);
    expect(otherLr.err).toContain('sft.lr 0.001 -> 0.5');
    const longer = await runMain(['sft', '--data', data, '--out', out, '--resume', '--steps', '5']);
    expect(longer.code, longer.err).toBe(0);
    expect(steps(out)).toEqual([1, 2, 3, 4, 5]);
  }, 60_000);
});

describe('the divergence guard', () => {
  const maxAbs = (file: string): number => {
    let m = 0;
    for (const t of Object.values(parseSafetensors(new Uint8Array(readFileSync(file))))) for (const v of t.data) m = Math.max(m, Math.abs(v));
    return m;
  };

  it('sft at lr 1e6 stops, and no checkpoint it saved holds runaway weights', async () => {
    const out = join(dir, 'sft-diverge');
    const r = await runMain(SFT(out, '--model', M, '--steps', '6', '--lr', '1e6', '--checkpoint-every', '1'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/step \d: (weight norm|loss) .* the run diverged/);
    for (const c of listing(out).filter((f) => f.startsWith('checkpoint-'))) expect(maxAbs(join(out, c, 'model.safetensors'))).toBeLessThan(100);
  }, 60_000);

  it('dpo at lr 1e6 stops instead of finishing with exit 0', async () => {
    const out = join(dir, 'dpo-diverge');
    const r = await runMain(DPO(out, '--steps', '6', '--lr', '1e6', '--warmup', '0'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/(KL to the reference|weight norm|loss) .*stopped, last good checkpoint is none/);
    expect(existsSync(join(out, 'model'))).toBe(false);
  }, 60_000);

  it('a normal run passes the guard; limits are configurable and checked', async () => {
    expect((await runMain(SFT(join(dir, 'bad-guard'), '--model', M, '--steps', '1', '--max-loss-ratio', '0.5'))).err).toContain('guard.maxLossRatio must be a number > 1, got 0.5');
    const tight = await runMain(DPO(join(dir, 'tight'), '--steps', '3', '--lr', '1e-2', '--warmup', '0', '--max-kl', '1e-9'));
    expect(tight.code).toBe(1);
    expect(tight.err).toMatch(/step \d: KL to the reference .* over the limit 1e-9/);
  }, 60_000);
});
