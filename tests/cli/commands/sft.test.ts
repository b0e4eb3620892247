import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { renderConversation } from '../../../src/core/data/chat_format.ts';
import type { Sample } from '../../../src/core/data/sample.ts';
import { buildTokenizerConfig, trainDefaultTokenizer } from '../../../src/core/tokenizer/default_tokenizer.ts';
import { main } from '../../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-sft-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tools: Sample['tools'] = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
const samples: Sample[] = ['Paris', 'Oslo', 'Lima', 'Quito'].map((city, i) => ({
  id: `s${i}`, tools, meta: { category: 'single', domains: ['weather'] },
  messages: [
    { role: 'user', content: `Weather in ${city}?` },
    { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city } } }] },
  ],
}));
const data = join(dir, 'train.jsonl');
writeFileSync(data, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
const tok = join(dir, 'tok');
const tokJson = trainDefaultTokenizer(samples.map((s) => renderConversation(s.messages, s.tools)), { vocabSize: 300 });
mkdirSync(tok);
writeFileSync(join(tok, 'tokenizer.json'), JSON.stringify(tokJson));
writeFileSync(join(tok, 'tokenizer_config.json'), JSON.stringify(buildTokenizerConfig(tokJson)));

async function ttpa(...argv: string[]): Promise<{ code: number; err: string; out: string }> {
  const errors: string[] = [];
  const logs: string[] = [];
  const e = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
  const l = vi.spyOn(console, 'log').mockImplementation((m: unknown) => void logs.push(String(m)));
  try {
    return { code: await main(argv), err: errors.join('\n'), out: logs.join('\n') };
  } finally {
    e.mockRestore();
    l.mockRestore();
  }
}

describe('ttpa sft', () => {
  it('trains a tiny preset, writes HF checkpoint folders and metrics.jsonl, and resumes', async () => {
    const out = join(dir, 'run');
    const common = ['--data', data, '--out', out, '--batch-size', '2', '--seq-len', '64', '--backend', 'cpu'];
    expect((await ttpa('sft', ...common, '--preset', 'tiny', '--tokenizer', tok, '--steps', '3', '--checkpoint-every', '2')).code).toBe(0);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'optimizer.safetensors', 'trainer_state.json']) {
      expect(existsSync(join(out, 'checkpoint-2', f)), f).toBe(true);
    }
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((m) => m.step)).toEqual([1, 2, 3]);
    rmSync(join(out, 'checkpoint-3'), { recursive: true });
    expect((await ttpa('sft', ...common, '--resume')).code).toBe(0);
    const again = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(again.map((m) => m.loss)).toEqual(lines.map((m) => m.loss)); // step 3 recomputed identically
  });

  it('sft and dpo refuse a step the memory plan cannot fit on wasm before writing anything, saying why and what fits', async () => {
    const out = join(dir, 'too-long');
    const r = await ttpa('sft', '--data', data, '--out', out, '--preset', 'tiny', '--tokenizer', tok, '--batch-size', '4', '--seq-len', '200000', '--backend', 'wasm', '--threads', '1');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/ttpa sft: preset tiny \(0\.0M parameters\) needs about [\d.]+ GiB for an SFT step at 200000 tokens × 4 sequence\(s\) with gradient checkpointing on wasm \(.*\), over 90% of the 4\.00 GiB heap limit of wasm32; the same at \d+ tokens fits/m);
    expect(existsSync(out)).toBe(false);
    const pairs = join(dir, 'pairs.jsonl');
    writeFileSync(pairs, JSON.stringify({ prompt: [{ role: 'user', content: 'Weather in Oslo?' }], chosen: [{ role: 'assistant', content: 'Cold.' }], rejected: [{ role: 'assistant', content: 'Hot.' }] }) + '\n');
    const dpoOut = join(dir, 'too-long-dpo');
    const d = await ttpa('dpo', '--model', join(dir, 'run', 'checkpoint-2'), '--pairs', pairs, '--out', dpoOut, '--adapter', 'lora', '--lora-targets', 'q_proj',
      '--batch-size', '4', '--seq-len', '200000', '--gradient-checkpointing', 'off', '--backend', 'wasm', '--threads', '1');
    expect(d.code).not.toBe(0);
    expect(d.err).toMatch(/needs about [\d.]+ GiB for a LoRA DPO step at 200000 tokens × 4 pair\(s\) on wasm .*; the same at \d+ tokens fits/);
    expect(existsSync(dpoOut)).toBe(false);
  });

  it('names file, line and reason for a malformed JSONL line', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(samples[0])}\n{"messages": [oops\n`);
    const r = await ttpa('sft', '--data', bad, '--out', join(dir, 'bad'), '--preset', 'tiny', '--tokenizer', tok, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:2: not valid JSON`);
    writeFileSync(bad, `${JSON.stringify({ ...samples[0], messages: [{ role: 'bot', content: 'x' }] })}\n`);
    const r2 = await ttpa('sft', '--data', bad, '--out', join(dir, 'bad'), '--preset', 'tiny', '--tokenizer', tok, '--backend', 'cpu');
    expect(r2.err).toContain(`${bad}:1: messages[0].role must be system, user, assistant or tool, got "bot"`);
  });

  it.each([
    [['--preset', 'tiny'], /--preset needs --tokenizer/],
    [[], /give --model <checkpoint folder> or --preset <name>/],
    [['--preset', 'tiny', '--tokenizer', 'x', '--lr', '-1'], /sft.lr must be > 0, got -1/],
  ])('rejects bad arguments %j', async (extra, message) => {
    const r = await ttpa('sft', '--data', data, '--out', join(dir, 'x'), '--backend', 'cpu', ...extra);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(message);
  });

  it('--replicas 2 trains over a worker thread with the losses of one replica (1e-4) and says so', async () => {
    const common = ['--data', data, '--preset', 'tiny', '--tokenizer', tok, '--batch-size', '4', '--seq-len', '64', '--steps', '3', '--backend', 'cpu'];
    const losses = (out: string): number[] => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss);
    const logs: string[] = [];
    const l = vi.spyOn(console, 'log').mockImplementation((m: unknown) => void logs.push(String(m)));
    try {
      expect(await main(['sft', ...common, '--out', join(dir, 'one')])).toBe(0);
      expect(await main(['sft', ...common, '--out', join(dir, 'two'), '--replicas', '2'])).toBe(0);
    } finally {
      l.mockRestore();
    }
    expect(logs).toContain('backend: cpu; 2 data-parallel replicas: this thread and 1 worker thread, cpu each');
    const one = losses(join(dir, 'one'));
    losses(join(dir, 'two')).forEach((x, i) => expect(Math.abs(x - one[i]), `step ${i + 1}`).toBeLessThan(1e-4));
  });

  it('ttpa dpo --replicas 2 gives the losses of one replica (1e-4); LoRA with replicas is refused before writing', async () => {
    const pairs = join(dir, 'replica-pairs.jsonl');
    const cities = ['Oslo', 'Lima', 'Paris', 'Quito'];
    writeFileSync(pairs, cities.map((c, i) => JSON.stringify({
      prompt: [{ role: 'user', content: `Weather in ${c}?` }],
      chosen: [{ role: 'assistant', content: `It is ${'cold '.repeat(1 + i)}in ${c}.` }],
      rejected: [{ role: 'assistant', content: 'Hot.' }],
    })).join('\n') + '\n');
    const common = ['--model', join(dir, 'run', 'checkpoint-2'), '--pairs', pairs, '--batch-size', '4', '--steps', '3', '--seq-len', '64', '--backend', 'cpu'];
    const losses = (out: string): number[] => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss);
    expect((await ttpa('dpo', ...common, '--out', join(dir, 'dpo-one'))).code).toBe(0);
    const two = await ttpa('dpo', ...common, '--out', join(dir, 'dpo-two'), '--replicas', '2');
    expect(two.code).toBe(0);
    expect(two.out).toContain('backend: cpu; 2 data-parallel replicas: this thread and 1 worker thread, cpu each');
    const one = losses(join(dir, 'dpo-one'));
    expect(one).toHaveLength(3);
    losses(join(dir, 'dpo-two')).forEach((x, i) => expect(Math.abs(x - one[i]), `step ${i + 1}`).toBeLessThan(1e-4));
    const lora = await ttpa('dpo', ...common, '--out', join(dir, 'dpo-lora'), '--replicas', '2', '--adapter', 'lora');
    expect(lora.code).toBe(2);
    expect(lora.err).toContain('--replicas > 1 trains full weights over worker threads; LoRA (--adapter lora) runs in one replica');
    expect(existsSync(join(dir, 'dpo-lora'))).toBe(false);
  });

  it('ttpa dpo --anchor trains the SFT anchor beside the pairs (nll/anchor in metrics); a weight without samples, samples without a weight, or replicas are refused before writing', async () => {
    const pairs = join(dir, 'anchor-pairs.jsonl');
    writeFileSync(pairs, ['Oslo', 'Lima'].map((c) => JSON.stringify({
      prompt: [{ role: 'user', content: `Weather in ${c}?` }],
      chosen: [{ role: 'assistant', content: `Cold in ${c}.` }],
      rejected: [{ role: 'assistant', content: 'Hot.' }],
    })).join('\n') + '\n');
    const common = ['--model', join(dir, 'run', 'checkpoint-2'), '--pairs', pairs, '--batch-size', '2', '--steps', '2', '--seq-len', '64', '--backend', 'cpu'];
    const out = join(dir, 'dpo-anchor');
    const empty = join(dir, 'no-samples.jsonl');
    writeFileSync(empty, '');
    const r = await ttpa('dpo', ...common, '--out', out, '--anchor', data, '--anchor-weight', '0.5');
    expect(r.code).toBe(0);
    expect(r.out).toContain('anchor: 4 samples');
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const m of lines) expect(m['nll/anchor']).toBeGreaterThan(0);
    for (const [extra, message] of [
      [['--anchor-weight', '1'], '--anchor-weight 1 needs --anchor (ground-truth samples JSONL)'],
      [['--anchor', data], '--anchor needs --anchor-weight > 0'],
      [['--anchor', data, '--anchor-weight', '1', '--replicas', '2'], '--replicas > 1 does not carry the SFT anchor'],
      [['--anchor', empty, '--anchor-weight', '1'], `--anchor ${empty} has no samples`],
      [['--anchor', data, '--anchor-weight', '1', '--pairs', empty], `--pairs ${empty} has no pairs`],
    ] as const) {
      const bad = await ttpa('dpo', ...common, '--out', join(dir, 'dpo-anchor-bad'), ...extra);
      expect(bad.code, extra.join(' ')).toBe(2);
      expect(bad.err).toContain(message);
      expect(existsSync(join(dir, 'dpo-anchor-bad'))).toBe(false);
    }
  });

  it.each([
    [['--replicas', '0'], /--replicas must be an integer from 1 to 64, got 0/],
    [['--replicas', '3', '--batch-size', '2'], /3 data-parallel replicas need at least 3 items per micro-batch \(batchSize 2\) or gradAccumSteps a multiple of 3 \(got 1\)/],
  ])('refuses bad replica settings %j before writing anything', async (extra, message) => {
    const out = join(dir, 'bad-replicas');
    const r = await ttpa('sft', '--data', data, '--out', out, '--preset', 'tiny', '--tokenizer', tok, '--backend', 'cpu', ...extra);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
