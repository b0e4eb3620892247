// The pair filters (dpo.pairFilter) on hand-made metadata: the rules, records, JSONL lines and their errors.
import { describe, expect, it } from 'vitest';
import { filterPairLines, filterPairRecords, FILTERS, isPairFilter, pairFilterNote, PAIR_FILTERS, type FilterablePair, type PairFilter } from '../../../src/core/preference/pair_filter.ts';
import { resolveDpoConfig } from '../../../src/core/train/dpo_config.ts';
import { selectDpoRecords, type DpoRecord } from '../../../src/core/train/dpo_run.ts';

const pair = (lastRole: 'user' | 'assistant', kind: string, chosenEsm: number, rejectedSource: string, turn = ['s1', 1] as [string, number], margin = 0.5): DpoRecord => ({
  prompt: [{ role: 'user', content: 'q' }, ...(lastRole === 'assistant' ? [{ role: 'assistant' as const, content: '<tool_call>{"name": "' }] : [])],
  chosen: [{ role: 'assistant', content: 'a' }], rejected: [{ role: 'assistant', content: 'b' }], tools: [],
  ttpa: { kind, chosen_esm: chosenEsm, chosen_source: kind === 'branch' ? 'branch' : 'ground_truth', rejected_source: rejectedSource, sample_id: turn[0], turn_index: turn[1], margin },
});

const pairs = [
  pair('assistant', 'branch', 1, 'branch', ['s1', 1], 0.2), // in-turn, exact chosen, a branch over a branch
  pair('user', 'ground_truth', 1, 'base', ['s1', 3], 1), // the turn's first token differs: call or not; the truth over the policy
  pair('assistant', 'branch', 0.8, 'base', ['s1', 1], 0.3), // in-turn, wrong chosen, a branch over the greedy output
  pair('assistant', 'truth_walk', 0.999, 'branch', ['s2', 1], 0.001), // in-turn, ESM just short of exact, the truth over a forced branch
];
const KEPT: Record<PairFilter, number[]> = {
  all: [0, 1, 2, 3],
  'correct-chosen': [0, 1],
  'error-fix': [1, 2, 3],
  'base-rejected': [1, 2],
  'one-per-turn': [1, 2, 3], // s1 turn 1 has two pairs: the larger margin (0.3) stays
  'in-turn': [0, 2, 3],
};

describe('pair filters', () => {
  it('the per-pair rules, by hand', () => {
    expect(PAIR_FILTERS).toEqual(['all', 'correct-chosen', 'error-fix', 'base-rejected', 'one-per-turn', 'in-turn']);
    expect(FILTERS['error-fix']({ kind: 'branch', chosen_esm: 1, chosen_source: 'branch', rejected_source: 'branch' }, true)).toBe(false);
    expect(FILTERS['error-fix']({ kind: 'branch', chosen_esm: 0, chosen_source: 'branch', rejected_source: 'base' }, true)).toBe(true);
    expect(FILTERS['error-fix']({ kind: 'sequence', chosen_esm: 1, chosen_source: 'sample', rejected_source: 'sample' }, false)).toBe(true);
    expect(FILTERS['correct-chosen']({ kind: 'branch', chosen_esm: 1 - 1e-12, chosen_source: 'branch', rejected_source: 'base' }, true)).toBe(true);
    // base-rejected: error-fix less the truth walk (its rejected side continues the ground truth's prefix); whole turns pass
    expect(FILTERS['base-rejected']({ kind: 'truth_walk', chosen_esm: 1, chosen_source: 'ground_truth', rejected_source: 'branch' }, true)).toBe(false);
    expect(FILTERS['base-rejected']({ kind: 'ground_truth', chosen_esm: 1, chosen_source: 'ground_truth', rejected_source: 'base' }, false)).toBe(true);
    expect(FILTERS['base-rejected']({ kind: 'branch', chosen_esm: 1, chosen_source: 'base', rejected_source: 'branch' }, true)).toBe(false);
    expect(FILTERS['base-rejected']({ kind: 'sequence', chosen_esm: 1, chosen_source: 'sample', rejected_source: 'sample' }, false)).toBe(true);
    expect(FILTERS['in-turn']({ kind: 'ground_truth', chosen_esm: 1, chosen_source: 'ground_truth', rejected_source: 'base' }, false)).toBe(false);
  });

  it.each(PAIR_FILTERS)('%s keeps the records it names, in order', (filter) => {
    expect(filterPairRecords(pairs, filter)).toEqual(KEPT[filter].map((i) => pairs[i]));
  });

  it.each(PAIR_FILTERS)('%s keeps the same JSONL lines (blank lines skipped)', (filter) => {
    const lines = pairs.map((p) => JSON.stringify(p));
    expect(filterPairLines(lines.join('\n\n') + '\n', filter, 'p.jsonl')).toEqual(KEPT[filter].map((i) => lines[i]));
  });

  it('one-per-turn: ties go to the less likely rejected side, then to the first; a pair without turn or margin is named', () => {
    const tie = (logp: number | undefined, turn: [string, number] = ['s', 0]): DpoRecord => {
      const p = pair('assistant', 'branch', 1, 'branch', turn, 0.4);
      return { ...p, ttpa: { ...p.ttpa!, ...(logp === undefined ? {} : { ref_rejected_logps: logp }) } };
    };
    const a = [tie(-2), tie(-5), tie(-3)];
    expect(filterPairRecords(a, 'one-per-turn')).toEqual([a[1]]);
    const b = [tie(undefined), tie(-5), tie(-9, ['t', 0])];
    expect(filterPairRecords(b, 'one-per-turn')).toEqual([b[0], b[2]]);
    const noTurn = { ...pairs[0], ttpa: { ...pairs[0].ttpa!, sample_id: undefined } };
    expect(() => filterPairRecords([pairs[1], noTurn], 'one-per-turn', 'x.jsonl')).toThrow('x.jsonl pair 2: ttpa metadata without sample_id, turn_index and margin');
    expect(() => filterPairLines(`${JSON.stringify(pairs[1])}\n\n${JSON.stringify(noTurn)}\n`, 'one-per-turn', 'p.jsonl')).toThrow('p.jsonl line 3: ttpa metadata without sample_id');
  });

  it("'all' passes records without metadata (plain TRL pairs); the others name the pair", () => {
    const plain: FilterablePair[] = [{ prompt: [{ role: 'user' }] }, { prompt: [{ role: 'user' }] }];
    expect(filterPairRecords(plain, 'all')).toEqual(plain);
    expect(() => filterPairRecords([pairs[0], ...plain], 'error-fix', 'x.jsonl')).toThrow('x.jsonl pair 2: no ttpa metadata');
    expect(() => filterPairRecords([{ prompt: [{ role: 'user' }], ttpa: { kind: 'branch' } }], 'in-turn')).toThrow('pairs pair 1: ttpa metadata without kind, chosen_esm and rejected_source');
  });

  it('names the file and line of a pair without metadata or not JSON, counting blank lines', () => {
    const line = JSON.stringify(pairs[0]);
    expect(() => filterPairLines(`${line}\n\n{"prompt": []}\n`, 'all', 'p.jsonl')).toThrow('p.jsonl line 3: no ttpa metadata');
    expect(() => filterPairLines(`${line}\n{oops\n`, 'error-fix', 'p.jsonl')).toThrow('p.jsonl line 2: not valid JSON');
  });

  it('knows its names and says what it kept', () => {
    expect(isPairFilter('error-fix')).toBe(true);
    expect(isPairFilter('errors')).toBe(false);
    expect(pairFilterNote('error-fix', 3613, 7177)).toBe('3,613 of 7,177 pairs kept by error-fix');
    expect(pairFilterNote('all', 7177, 7177)).toBe('7,177 pairs (pair filter: all)');
  });
});

describe('dpo.pairFilter', () => {
  it("defaults to 'all' and names the field and the choices for a bad value", () => {
    expect(resolveDpoConfig().pairFilter).toBe('all');
    expect(resolveDpoConfig({ pairFilter: 'error-fix' }).pairFilter).toBe('error-fix');
    expect(() => resolveDpoConfig({ pairFilter: 'errors' as PairFilter })).toThrow('dpo.pairFilter must be one of all, correct-chosen, error-fix, base-rejected, one-per-turn, in-turn, got "errors"');
  });

  it('selects what a DPO job trains on, counts it, and refuses a filter that keeps nothing, naming it and the counts', () => {
    // Kept: the truth over the policy (exact), a wrong branch, the truth at ESM 0.999: two ground-truth chosen sides, one exact.
    expect(selectDpoRecords(pairs, 'error-fix')).toEqual({ records: [pairs[1], pairs[2], pairs[3]], filtered: { filter: 'error-fix', kept: 3, of: 4, chosenTruth: 2, chosenExact: 1 } });
    expect(selectDpoRecords(pairs, 'all').filtered).toEqual({ filter: 'all', kept: 4, of: 4, chosenTruth: 2, chosenExact: 2 });
    const plain = pairs.map(({ ttpa: _t, ...rest }) => rest);
    expect(selectDpoRecords(plain, 'all').filtered).toEqual({ filter: 'all', kept: 4, of: 4 }); // plain TRL pairs: nothing to count
    expect(selectDpoRecords([], 'error-fix').filtered).toEqual({ filter: 'error-fix', kept: 0, of: 0 });
    expect(() => selectDpoRecords([pairs[0], pairs[0]], 'error-fix', 'p.jsonl'))
      .toThrow('dpo.pairFilter error-fix keeps none of the 2 pairs of p.jsonl (0 of 2 pairs kept by error-fix); choose another filter or build more pairs');
  });
});
