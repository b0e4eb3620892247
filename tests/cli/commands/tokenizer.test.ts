import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs, UsageError } from '../../../src/cli/args.ts';
import { tokenizerCommand } from '../../../src/cli/commands/tokenizer.ts';
import { loadTokenizer } from '../../../src/core/tokenizer/tokenizer.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-tok-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (argv: string[]): Promise<number> => tokenizerCommand.run(parseArgs(argv, tokenizerCommand.options));
const sample = (i: number): string => JSON.stringify({
  messages: [
    { role: 'user', content: `Weather in city number ${i}, please.` },
    { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: `c${i}` } } }] },
  ],
  tools: [],
});

describe('ttpa tokenizer', () => {
  it('trains on a JSONL dataset plus text and writes a loadable tokenizer', async () => {
    const data = join(dir, 'train.jsonl');
    writeFileSync(data, Array.from({ length: 30 }, (_, i) => sample(i)).join('\n') + '\n\n');
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'Some plain text.\nMore plain text, with numbers 123 and 456.\n'.repeat(20));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await run(['--data', data, '--text', text, '--vocab-size', '300', '--out', join(dir, 'out')])).toBe(0);
    expect(log.mock.calls.map((c) => c[0]).join('\n')).toMatch(/70 documents, \d+ chars -> vocab 300 .*\n.*chars\/token/);
    log.mockRestore();
    const tok = loadTokenizer(readFileSync(join(dir, 'out', 'tokenizer.json'), 'utf8'), readFileSync(join(dir, 'out', 'tokenizer_config.json'), 'utf8'));
    expect(tok.vocabSize).toBe(300);
    expect(tok.encode('<tool_call>')).toEqual([tok.tokenToId('<tool_call>')]);
    expect(tok.eosTokenId).toBe(tok.tokenToId('<|im_end|>'));
  });

  it('names the file, line and reason for malformed JSONL', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${sample(1)}\n{"messages": [}\n`);
    await expect(run(['--data', bad, '--out', join(dir, 'x')])).rejects.toThrow('bad.jsonl:2: not valid JSON at offset 14');
    writeFileSync(bad, `${sample(1)}\n\n{"messages": "hi"}\n`);
    await expect(run(['--data', bad, '--out', join(dir, 'x')])).rejects.toThrow('bad.jsonl:3: messages must be a list of {role, content} objects');
  });

  it('validates its arguments', async () => {
    await expect(run(['--out', dir])).rejects.toThrow(UsageError);
    await expect(run(['--text', 'x', '--vocab-size', '100', '--out', dir])).rejects.toThrow('--vocab-size must be in [264, 1000000], got 100');
    await expect(run(['--text', join(dir, 'missing.txt'), '--out', dir])).rejects.toThrow(/cannot read .*missing\.txt: ENOENT/);
  });
});
