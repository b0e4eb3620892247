// The CLI's input and output rules on hostile input, command by command: outputs are replaced whole
// or not at all and only with --overwrite, and no input line can crash or hang a command.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPath } from '../../src/cli/atomic_write.ts';
import { smallDisk } from './small_disk.ts';
import { runMain } from './run_main.ts';

const M = resolve('models/default');
const dir = mkdtempSync(join(tmpdir(), 'ttpa-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (...p: string[]): string => join(dir, ...p);
const CASES = 'tests/fixtures/scoring/cases.jsonl';
const DEEP = '['.repeat(3000) + ']'.repeat(3000);
const noTemps = (d: string): void => expect(readdirSync(d).filter((f) => /\.(tmp|old)-\d+$/.test(f))).toEqual([]);

let samples: string;
beforeAll(async () => {
  expect((await runMain(['data', '--n', '30', '--seed', '1', '--out', at('d')])).code).toBe(0);
  samples = readFileSync(at('d', 'test.jsonl'), 'utf8');
  writeFileSync(at('deep.jsonl'), samples.split('\n')[0] + '\n' + DEEP + '\n');
}, 60_000);

describe('outputs: whole or not at all, and only with --overwrite', () => {
  it('data: a failure on the third file leaves the previous dataset whole (no seed-2 train beside seed-1 test)', async () => {
    const out = at('ds');
    expect((await runMain(['data', '--n', '30', '--seed', '1', '--out', out])).code).toBe(0);
    const before = readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8'));
    expect((await runMain(['data', '--n', '30', '--seed', '2', '--out', out])).code).toBe(2); // refused
    for (const t of [tempPath(join(out, 'test.jsonl')), join(out, `test.jsonl.tmp-${process.pid}`)]) mkdirSync(t); // the third write fails
    const r = await runMain(['data', '--n', '30', '--seed', '2', '--out', out, '--overwrite']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot write .*test\.jsonl.*left as it was/);
    expect(readdirSync(out).filter((f) => !f.startsWith('.') && !f.includes('.tmp-')).map((f) => readFileSync(join(out, f), 'utf8'))).toEqual(before);
  }, 60_000);

  it('convert and score: a run that rejects every line leaves the existing output untouched', async () => {
    const garbage = at('garbage.bin');
    writeFileSync(garbage, Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x0a, 0x7b, 0x0a]));
    for (const [cmd, flags] of [['convert', ['--from', 'native', '--in', garbage]], ['score', ['--in', garbage]]] as const) {
      const out = at(`good-${cmd}.jsonl`);
      writeFileSync(out, '{"kept": true}\n');
      expect((await runMain([cmd, ...flags, '--out', out])).code).toBe(2); // exists: refused
      const r = await runMain([cmd, ...flags, '--out', out, '--overwrite']);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`nothing written: every input line was rejected (2); ${out} left as it was`);
      expect(readFileSync(out, 'utf8')).toBe('{"kept": true}\n');
      noTemps(dir);
    }
  });

  it('eval-bfcl: unreadable predictions write no all-missing verdicts', async () => {
    const q = at('q.jsonl');
    writeFileSync(q, '{"id": "irrelevance_0", "question": [[{"role": "user", "content": "hi"}]], "function": []}\n');
    const out = at('verdicts.jsonl');
    writeFileSync(out, 'old\n');
    writeFileSync(at('bad-preds.jsonl'), `${DEEP}\n{"id": "irrelevance_0", "result": \n`);
    const r = await runMain(['eval-bfcl', '--category', 'irrelevance', '--questions', q, '--predictions', at('bad-preds.jsonl'), '--out', out, '--overwrite']);
    expect(r.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('old\n');
  });

  it('eval: refuses an existing report before evaluating, creates parent folders, rejects empty input', async () => {
    const data = at('d', 'test.jsonl');
    const out = at('ev', 'nested', 'report.json');
    const ok = await runMain(['eval', '--model', M, '--data', data, '--out', out, '--limit', '2', '--max-new-tokens', '8']);
    expect(ok.code, ok.err).toBe(0);
    expect(existsSync(out) && existsSync(out.replace(/json$/, 'md'))).toBe(true);
    const again = await runMain(['eval', '--model', M, '--data', data, '--out', out, '--limit', '2']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/report\.json, .*report\.md already exist; give --overwrite/);
    expect(again.out).not.toMatch(/eval: /); // nothing was evaluated
    writeFileSync(at('empty.jsonl'), '\n');
    const empty = await runMain(['eval', '--model', M, '--data', at('empty.jsonl'), '--out', at('e.json')]);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain('no samples to evaluate');
  }, 60_000);

  it('eval: on a full disk (tmpfs) the previous report stays valid JSON, byte for byte', async (ctx) => {
    const disk = smallDisk(128);
    if (!disk) return ctx.skip(); // mounting needs root
    try {
      const out = join(disk!.dir, 'report.json');
      const first = await runMain(['eval', '--model', M, '--data', at('d', 'test.jsonl'), '--out', out, '--limit', '3', '--max-new-tokens', '8']);
      expect(first.code, first.err).toBe(0);
      const before = readFileSync(out, 'utf8');
      const { bavail, bsize } = statfsSync(disk!.dir);
      writeFileSync(join(disk!.dir, 'filler'), new Uint8Array(bavail * bsize - 2048)); // 2 KiB left: less than a report
      const r = await runMain(['eval', '--model', M, '--data', at('d', 'test.jsonl'), '--out', out, '--limit', '3', '--max-new-tokens', '8', '--overwrite']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/ENOSPC/);
      expect(readFileSync(out, 'utf8')).toBe(before);
      JSON.parse(readFileSync(out, 'utf8'));
      noTemps(disk!.dir);
    } finally {
      disk!.unmount();
    }
  }, 60_000);

  it('an output that is one of the inputs is refused, even with --overwrite', async () => {
    const input = at('self.jsonl');
    writeFileSync(input, samples);
    const r = await runMain(['convert', '--from', 'native', '--in', input, '--out', input, '--overwrite']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out ${input} is the input ${input}`);
    expect(readFileSync(input, 'utf8')).toBe(samples);
  });
});

describe('inputs: no line crashes or hangs a command', () => {
  it('a line nested 3,000 levels deep is named; score and convert keep the good lines', async () => {
    const deepCases = at('deep-cases.jsonl');
    writeFileSync(deepCases, readFileSync(CASES, 'utf8') + DEEP + '\n');
    const nCases = readFileSync(CASES, 'utf8').trim().split('\n').length;
    const score = await runMain(['score', '--in', deepCases, '--out', at('deep-score.jsonl')]);
    expect(score.err).toContain(`${deepCases}:${nCases + 1}: nested more than 64 levels deep`);
    expect(readFileSync(at('deep-score.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThan(0);
    const convert = await runMain(['convert', '--from', 'native', '--in', at('deep.jsonl'), '--out', at('deep-out.jsonl')]);
    expect(convert.code).toBe(1);
    expect(convert.err).toContain(`${at('deep.jsonl')}:2: nested more than 64 levels deep`);
    expect(readFileSync(at('deep-out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    for (const argv of [
      ['sft', '--model', M, '--data', at('deep.jsonl'), '--out', at('deep-sft')],
      ['eval', '--model', M, '--data', at('deep.jsonl'), '--out', at('deep-eval.json')],
      ['pairs', '--model', M, '--data', at('deep.jsonl'), '--out', at('deep-pairs.jsonl')],
    ]) {
      const r = await runMain(argv);
      expect(r.code, argv[0]).toBe(1);
      expect(r.err).toContain(`${at('deep.jsonl')}:2: nested more than 64 levels deep`);
    }
  }, 60_000);

  it('a 50 MB line is refused by name instead of exhausting memory (sft, dpo)', async () => {
    const big = at('big.jsonl');
    writeFileSync(big, samples.split('\n')[0] + '\n' + JSON.stringify({ prompt: 'x'.repeat(50_000_000) }) + '\n');
    for (const argv of [['sft', '--model', M, '--data', big, '--out', at('big-sft')], ['dpo', '--model', M, '--pairs', big, '--out', at('big-dpo')]]) {
      const r = await runMain(argv);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${big}:2: line is 50000013 characters long, over the limit of 2097152`);
    }
  }, 60_000);

  it('a UTF-8 BOM does not cost line 1 (convert, score, sft data)', async () => {
    const bom = at('bom.jsonl');
    writeFileSync(bom, '\uFEFF' + samples);
    const convert = await runMain(['convert', '--from', 'native', '--in', bom, '--out', at('bom-out.jsonl')]);
    expect(convert.code, convert.err).toBe(0);
    expect(readFileSync(at('bom-out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(samples.trim().split('\n').length);
    const bomCases = at('bom-cases.jsonl');
    writeFileSync(bomCases, '\uFEFF' + readFileSync(CASES, 'utf8'));
    const score = await runMain(['score', '--in', bomCases, '--out', at('bom-score.jsonl')]);
    expect(score.err).not.toContain(`${bomCases}:1:`);
  });

  it('empty inputs fail instead of printing numbers about nothing', async () => {
    writeFileSync(at('blank.jsonl'), '\n\n');
    expect((await runMain(['score', '--in', at('blank.jsonl'), '--out', at('blank-score.jsonl')])).err).toContain('no cases to score');
    expect((await runMain(['convert', '--from', 'native', '--in', at('blank.jsonl'), '--out', at('blank-conv.jsonl')])).err).toContain('no samples');
  });
});

describe('budgets on what an imported file can make expensive', () => {
  const modelWith = (name: string, edit: (files: Record<string, string>) => void): string => {
    const d = at(name);
    cpSync(M, d, { recursive: true });
    const files: Record<string, string> = {};
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) files[f] = readFileSync(join(d, f), 'utf8');
    edit(files);
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
    return d;
  };

  it('a chat template that loops 10^8 times fails by name (convert --template, a model tokenizer_config.json)', async () => {
    const tpl = at('loop.jinja');
    writeFileSync(tpl, '{% for i in range(100000000) %}x{% endfor %}');
    const r = await runMain(['convert', '--from', 'native', '--to', 'text', '--template', tpl, '--in', at('d', 'test.jsonl'), '--out', at('loop.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('chat template called range() for 100000000 elements, over the limit of 100000');
    const nested = modelWith('m-loop', (f) => {
      const cfg = JSON.parse(f['tokenizer_config.json']);
      cfg.chat_template = '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}';
      f['tokenizer_config.json'] = JSON.stringify(cfg);
    });
    const e = await runMain(['eval', '--model', nested, '--data', at('d', 'test.jsonl'), '--out', at('loop-eval.json'), '--limit', '1']);
    expect(e.code).toBe(1);
    expect(e.err).toContain('chat template ran over its budget of 200000 evaluation steps');
  }, 60_000);

  it('a backtracking pre-tokenizer regex is refused when the model loads', async () => {
    const d = modelWith('m-regex', (f) => {
      const tj = JSON.parse(f['tokenizer.json']);
      tj.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '(a+)+b' }, behavior: 'Isolated', invert: false }, tj.pre_tokenizer] };
      f['tokenizer.json'] = JSON.stringify(tj);
    });
    const r = await runMain(['eval', '--model', d, '--data', at('d', 'test.jsonl'), '--out', at('regex-eval.json'), '--limit', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('tokenizer.json: pre_tokenizer.pretokenizers[0].pattern.Regex "(a+)+b" repeats a group that itself repeats');
  }, 60_000);

  it('num_hidden_layers: 10000000 fails at the first missing tensor, before allocating', async () => {
    const d = modelWith('m-layers', (f) => {
      f['config.json'] = JSON.stringify({ ...JSON.parse(f['config.json']), num_hidden_layers: 10_000_000 });
    });
    const r = await runMain(['eval', '--model', d, '--data', at('d', 'test.jsonl'), '--out', at('layers-eval.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('model.safetensors: missing tensor model.layers.4.self_attn.q_proj.weight (config.json has num_hidden_layers 10000000)');
  }, 60_000);
});

describe('messages name the file', () => {
  it('bad JSON in --config, a preset, a template syntax error, a malformed compare report, a > 2 GiB safetensors', async () => {
    const bad = at('bad.json');
    writeFileSync(bad, '{"beta": 0.1,}');
    expect((await runMain(['dpo', '--model', M, '--pairs', at('d', 'test.jsonl'), '--out', at('cfg-dpo'), '--config', bad])).err).toContain(`${bad}: not valid JSON at offset 13`);
    expect((await runMain(['score', '--in', CASES, '--out', at('cfg-score.jsonl'), '--config', bad])).err).toContain(`${bad}: not valid JSON`);
    expect((await runMain(['pipeline', '--preset', bad, '--out', at('cfg-pipe')])).err).toContain(`${bad}: not valid JSON`);
    const tpl = at('syntax.jinja');
    writeFileSync(tpl, '{% for m in messages %}{{ m.content }');
    expect((await runMain(['convert', '--from', 'native', '--to', 'text', '--template', tpl, '--in', at('d', 'test.jsonl'), '--out', at('syn.jsonl')])).err).toContain(`${tpl}: chat template syntax error`);
    const report = at('not-report.json');
    writeFileSync(report, JSON.stringify({ overall: {}, byCategory: {}, byDomain: {} }));
    expect((await runMain(['compare', report])).err).toContain(`${report}: not an evaluation report (overall.turns must be a number`);
    const huge = at('m-huge');
    cpSync(M, huge, { recursive: true });
    truncateSync(join(huge, 'model.safetensors'), 2 ** 31 + 16); // sparse: no disk used
    expect((await runMain(['eval', '--model', huge, '--data', at('d', 'test.jsonl'), '--out', at('huge.json')])).err).toMatch(new RegExp(`cannot read ${join(huge, 'model.safetensors')}: it is 2147483664 bytes`));
  }, 60_000);

  it('arguments: --mix __proto__ is not a category; pairs --limit -1 and --batch-size 100000 are refused in words', async () => {
    writeFileSync(at('one-pair.jsonl'), JSON.stringify({ prompt: [{ role: 'user', content: 'Hi' }], chosen: [{ role: 'assistant', content: 'Hello.' }], rejected: [{ role: 'assistant', content: 'Go.' }] }) + '\n');
    for (const argv of [['sft', '--model', M, '--data', at('d', 'train.jsonl'), '--out', at('bs-sft')], ['dpo', '--model', M, '--pairs', at('one-pair.jsonl'), '--out', at('bs-dpo')]]) {
      const r = await runMain([...argv, '--batch-size', '100000']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--batch-size 100000 with --seq-len \d+: one micro-batch's logits .* exceed the 2 GiB/);
    }
    expect((await runMain(['data', '--n', '10', '--out', at('proto'), '--mix', '__proto__=100'])).err).toContain('data.mix.__proto__ is not a sample category');
    expect((await runMain(['pairs', '--model', M, '--data', at('d', 'test.jsonl'), '--out', at('neg.jsonl'), '--limit', '-1'])).err).toContain('--limit must be >= 0 (0 = all), got -1');
  }, 60_000);
});
