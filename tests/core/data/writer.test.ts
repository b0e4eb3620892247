import { describe, expect, it } from 'vitest';
import { resolveDataConfig } from '../../../src/core/data/config.ts';
import { generateSample } from '../../../src/core/data/generate.ts';
import { createRng } from '../../../src/core/rng.ts';
import { grammarWriter, type QuestionWriter } from '../../../src/core/data/writer.ts';

const cfg = resolveDataConfig({ maxRetries: 5 });

describe('question writers', () => {
  it('the grammar writer wraps one clause and joins several', () => {
    const req = { category: 'parallel' as const, calls: [], results: [], answer: '', required: [], followUp: false };
    const one = grammarWriter.writeQuestion({ ...req, clauses: ['convert 5 km to miles'] }, createRng(1));
    expect(one).toContain('onvert 5 km to miles');
    expect(/[.?]$/.test(one)).toBe(true);
    const two = grammarWriter.writeQuestion({ ...req, clauses: ['convert 5 km to miles', 'what is 2 plus 3'] }, createRng(2));
    expect(two).toMatch(/5 km to miles.*2 plus 3\?$/);
  });

  it('accepts any writer that keeps the required values, and sees the calls and answer first', () => {
    const seen: string[] = [];
    const terse: QuestionWriter = {
      writeQuestion(req) {
        seen.push(`${req.calls.map((c) => c.name).join(',')} -> ${req.answer}`);
        return `Task: ${req.clauses.join(' / ')}`;
      },
    };
    const s = generateSample('w1', 'multi_step', 42, cfg, terse);
    expect(s.messages.find((m) => m.role === 'user')?.content.startsWith('Task: ')).toBe(true);
    expect(seen[0]).toMatch(/^\w+(,\w+)+ -> .+/);
  });

  it('rejects a writer that drops values: the sample is redrawn, then generation fails loudly', () => {
    const lossy: QuestionWriter = { writeQuestion: () => 'Do the thing.' };
    expect(() => generateSample('w2', 'single', 42, cfg, lossy)).toThrow(/no valid single sample after 5 attempts \(question lost the value/);
  });
});
