import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';
import { resolvePipelineConfig } from '../../../src/core/pipeline/config.ts';
import { aggregateLoopReports, buildLoopReport, type LoopReport } from '../../../src/core/pipeline/loop_report.ts';
import type { EvalReport } from '../../../src/core/scoring/evaluate.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-aggregate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 600 turns; `wrong` lists the wrong ones (every third a call turn). */
const evalOf = (wrong: (i: number) => boolean): EvalReport => {
  const turns = Array.from({ length: 600 }, (_, i) => ({ sampleId: `t${i}`, turn: 1, exact: !wrong(i), errors: wrong(i) ? [{ category: 'wrong_value', message: 'x' }] : [], expected: i % 3 === 0 ? [{ name: 'f', arguments: {} }] : [] }));
  return { turns, overall: { turns: 600, exactMatch: turns.filter((t) => t.exact).length / 600, meanEsm: 0, errorRates: {} } } as unknown as EvalReport;
};
const config = resolvePipelineConfig({ loop: { rounds: 1, arms: ['ttpa', 'sft-continued'] } });
/** A seed's loop report as the pipeline builds it: TTPA wrong on turns [0, ttpa), continued SFT on [shift, shift + 150). */
const seedReport = (seed: number, ttpa: number, shift: number): LoopReport => buildLoopReport({
  preset: 'fresh-calls-full', seed, config, stages: [{ stage: 'loop', elapsedMs: 60_000, skipped: false }], headroom: null, startVal: { errorRate: 0.4, turns: 50 },
  evals: { sft: evalOf((i) => i < 240), ttpa: evalOf((i) => i < ttpa), 'sft-continued': evalOf((i) => i >= shift && i < shift + 150) },
  runs: { ttpa: { rounds: [], selectedRound: 0 }, 'sft-continued': { rounds: [], selectedRound: 0 } },
}).report;
const write = (name: string, value: unknown, md?: string): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  if (md) writeFileSync(path.replace(/\.json$/, '.md'), md);
  return path;
};

describe('ttpa aggregate', () => {
  it("pools stored seed reports into the report `pipeline --seeds` writes, in seed order, linking each seed's Markdown", async () => {
    const s1 = seedReport(1, 130, 20); // TTPA right on 130..169 where the other errs: 40 / 20
    const s2 = seedReport(2, 160, 0); // 10 / 0 on 150..159 the other way: TTPA errs there
    const p2 = write('seed2.json', s2, '# seed 2');
    const p1 = write('seed1.json', s1);
    mkdirSync(join(dir, 'out'));
    const out = join(dir, 'out', 'pooled.md');
    const r = await runMain(['aggregate', p2, p1, '--out', out]);
    expect(r.code, r.err).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toBe(aggregateLoopReports('fresh-calls-full', [s1, s2], [null, '../seed2.md']).markdown);
    expect(md).toContain('Per-seed reports: [seed 2](../seed2.md).');
    const json = JSON.parse(readFileSync(join(dir, 'out', 'pooled.json'), 'utf8'));
    expect(json.seeds).toEqual([1, 2]);
    expect(json.pooled.ttpaVs['sft-continued']).toMatchObject({ aWins: s1.ttpaVs['sft-continued']!.aWins + s2.ttpaVs['sft-continued']!.aWins, turns: 1200 });
    expect(json.pooled.ttpaLead['sft-continued'].pooled.turns).toBe(1200);
    // Without --out it prints the Markdown; an existing output is kept unless --overwrite.
    expect((await runMain(['aggregate', p1, p2])).out).toContain('| arm | seed 1 | seed 2 | all seeds |');
    const again = await runMain(['aggregate', p1, p2, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('already exist');
    expect(readFileSync(out, 'utf8')).toBe(md);
  });

  it('refuses what cannot be pooled, naming the file and the field', async () => {
    const s1 = seedReport(1, 130, 20);
    const p1 = write('a1.json', s1);
    const cases: [string, unknown, string][] = [
      ['not a report', { x: 1 }, 'kind must be "loop"'],
      ['a broken count', { ...s1, seed: 2, ttpaVs: { 'sft-continued': { turns: 600, aWins: '3' } } }, "ttpaVs.sft-continued must be a paired outcome (turns, aWins, bWins, p), got {\"turns\":600,\"aWins\":\"3\"}"],
      ['the same seed twice', s1, 'are both seed 1'],
      ['another preset', { ...s1, seed: 2, preset: 'demo' }, "is preset 'demo'"],
      ['other arms', { ...s1, seed: 2, arms: { ttpa: s1.arms.ttpa } }, 'has the arms ttpa'],
      ['a calibrated reading without its text turns', { ...s1, seed: 2, calibrated: { ttpaVs: { 'sft-continued': s1.ttpaVs['sft-continued'] }, ttpaVsByTurn: { 'sft-continued': { call: s1.ttpaVs['sft-continued'], bothCall: s1.ttpaVs['sft-continued'] } } } }, 'calibrated.ttpaVsByTurn.sft-continued.text must be a paired outcome (turns, aWins, bWins, p), got nothing'],
    ];
    for (const [what, value, message] of cases) {
      const p = write(`b-${what.replaceAll(' ', '-')}.json`, value);
      const r = await runMain(['aggregate', p1, p]);
      expect(r.code, what).toBe(1);
      expect(r.err, what).toContain(message);
    }
    const broken = write('broken.json', '{"kind": "loop",');
    expect((await runMain(['aggregate', p1, broken])).err).toContain('broken.json');
    const one = await runMain(['aggregate', p1]);
    expect(one.code).toBe(2);
    expect(one.err).toContain('at least two');
  });
});
