// scripts/bundle_reference.mjs on real run folders: the tiny preset as a two-round loop on two seeds (one
// `ttpa pipeline --seeds 1,2` run), bundled together; every figure checked against the run folders' own files,
// and the bundle read back by the classroom. Bad folders fail with a message naming the folder or file.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUNDLE_FORMAT as WRITTEN_FORMAT } from '../../scripts/reference_runs.ts';
import type { EvalReport } from '../../src/core/scoring/evaluate.ts';
import { BUNDLE_FORMAT, fromReference } from '../../src/ui/classroom/classroom_data.ts';
import { REPO } from '../browser/harness.ts';

const SCRIPT = join(REPO, 'scripts/bundle_reference.mjs');
let dir: string;
let bundle: {
  format: string;
  runs: { source: { run: string; seed: number; startModel: string }; report: { seed: number; arms: Record<string, { vsStart: { aWins: number; bWins: number; p: number } }> }; exact: Record<string, string>; curves: Record<string, { step: number }[]> }[];
  teaching: { seed: number; startModel: string; details: { sampleId: string }[]; samples: { id: string }[] };
};

const bundleRuns = (...args: string[]): { status: number | null; stderr: string } => {
  const r = spawnSync('node', [SCRIPT, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, TTPA_THREADS: '1' } });
  return { status: r.status, stderr: r.stderr };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttpa-bundle-'));
  const tiny = JSON.parse(readFileSync(join(REPO, 'models/presets/tiny.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'preset.json'), JSON.stringify({ ...tiny, name: 'tiny-loop', loop: { rounds: 2, promptsPerRound: 4, arms: ['ttpa', 'control'], valLimit: 3, passAtK: 0 } }));
  execFileSync('node', [join(REPO, 'bin/ttpa.mjs'), 'pipeline', '--preset', join(dir, 'preset.json'), '--seeds', '1,2', '--out', join(dir, 'run')], { cwd: REPO, stdio: 'pipe', env: { ...process.env, TTPA_THREADS: '1' } });
  // An arm another preset trained in the same folder (as fresh-calls-full-all-arms does): not in this report.
  cpSync(join(dir, 'run/seed-1/loop/control'), join(dir, 'run/seed-1/loop/sequence'), { recursive: true });
  const r = bundleRuns(join(dir, 'run/seed-1'), join(dir, 'run/seed-2'), '--prompts', '2', '--out', join(dir, 'bundle.json'));
  if (r.status !== 0) throw new Error(r.stderr);
  bundle = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8'));
}, 300_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('bundle_reference', () => {
  test('holds every run given, in order, with each model\'s per-turn exactness as its eval report has it', () => {
    expect(bundle.format).toBe(WRITTEN_FORMAT);
    expect(WRITTEN_FORMAT).toBe(BUNDLE_FORMAT);
    expect(bundle.runs.map((r) => [r.source.run, r.source.seed, r.report.seed])).toEqual([['seed-1', 1, 1], ['seed-2', 2, 2]]);
    for (const [i, run] of bundle.runs.entries()) {
      expect(Object.keys(run.exact)).toEqual(['sft', 'ttpa', 'control']);
      for (const [name, exact] of Object.entries(run.exact)) {
        const report = JSON.parse(readFileSync(join(dir, `run/seed-${i + 1}/eval/${name}/report.json`), 'utf8')) as EvalReport;
        expect(exact).toBe(report.turns.map((t) => (t.exact ? '1' : '0')).join(''));
      }
      // Two rounds' metrics laid end to end: the steps only go up.
      for (const points of Object.values(run.curves)) expect(points.every((p, j) => j === 0 || p.step > points[j - 1].step)).toBe(true);
      expect(Object.keys(run.curves).sort()).toEqual(['control', 'ttpa']); // the report's arms only
    }
  });

  test('the teaching details come from the first run, with its own start model, and only their samples', () => {
    expect(bundle.teaching.seed).toBe(1);
    expect(bundle.teaching.startModel).toBe(join(dir, 'run/seed-1/sft/model'));
    expect(bundle.runs[0].source.startModel).toBe(join(dir, 'run/seed-1/sft/model'));
    expect(new Set(bundle.teaching.samples.map((s) => s.id))).toEqual(new Set(bundle.teaching.details.map((d) => d.sampleId)));
  });

  test('the classroom reads it back: one run per seed, TTPA against the start as the report has it', () => {
    const data = fromReference(bundle);
    expect(data.runs.map((r) => r.seed)).toEqual([1, 2]);
    data.runs.forEach((run, i) => {
      const vs = run.arms.find((a) => a.key === 'ttpa')!.vsFirst!;
      const expected = bundle.runs[i].report.arms.ttpa.vsStart;
      expect([vs.fixed, vs.broken]).toEqual([expected.aWins, expected.bWins]);
      expect(vs.p).toBeCloseTo(expected.p, 10);
    });
    expect(data.seeds?.line).toMatch(/^TTPA had fewer test errors than the start model on \d of 2 seeds/);
  });

  test("a seed's runs file (--runs-only) stands in for its folder: the same bundle, without the folder", () => {
    const kept = join(dir, 'seed-2.runs.json');
    const r = bundleRuns(join(dir, 'run/seed-2'), '--runs-only', '--out', kept);
    expect(r.status, r.stderr).toBe(0);
    const runsFile = JSON.parse(readFileSync(kept, 'utf8'));
    expect(Object.keys(runsFile)).toEqual(['format', 'runs']);
    expect(runsFile.runs).toEqual([bundle.runs[1]]);
    const again = join(dir, 'again.json');
    const b = bundleRuns(join(dir, 'run/seed-1'), kept, '--prompts', '2', '--out', again, '--caveat', 'Read with care.');
    expect(b.status, b.stderr).toBe(0);
    const rebuilt = JSON.parse(readFileSync(again, 'utf8'));
    expect(rebuilt.runs).toEqual(bundle.runs);
    const untimed = (x: unknown) => JSON.stringify(x, (k, v) => (k.endsWith('Ms') ? undefined : v));
    expect(untimed(rebuilt.teaching)).toBe(untimed(bundle.teaching)); // the same details; only their timings differ
    expect(rebuilt.caveat).toBe('Read with care.');
    // a whole bundle is a runs file too; the teaching details still need a folder
    expect(bundleRuns(join(dir, 'bundle.json'), '--out', join(dir, 'x.json')).stderr).toContain('the teaching details need a run folder');
    expect(bundleRuns(join(dir, 'bundle.json'), '--runs-only', '--out', join(dir, 'x.json')).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8')).runs).toEqual(bundle.runs);
    writeFileSync(join(dir, 'notruns.json'), '{"runs": []}');
    expect(bundleRuns(join(dir, 'notruns.json'), '--runs-only', '--out', join(dir, 'y.json')).stderr).toContain(`${join(dir, 'notruns.json')}: not a runs file of format`);
  });

  test('bad folders fail naming the folder or file, and write nothing', () => {
    const out = join(dir, 'bad.json');
    expect(bundleRuns('--out', out).stderr).toContain('no run folder or runs file given (usage: bundle_reference.mjs <runDir or runs.json>...');
    expect(bundleRuns(join(dir, 'nowhere'), '--out', out).stderr).toContain(`${join(dir, 'nowhere')}: no report.json`);
    expect(bundleRuns(join(dir, 'run'), '--out', out).stderr).toContain(`${join(dir, 'run/report.json')}: not a pipeline report (no arms or seed); a --seeds aggregate? give its seed-<n>/ folders`);
    expect(bundleRuns(join(dir, 'run/seed-1'), join(dir, 'run/seed-1'), '--out', out).stderr).toContain('two runs have the same seed (1, 1)');
    // A run whose TTPA evaluation lists the turns in another order cannot be paired with the start.
    cpSync(join(dir, 'run/seed-2'), join(dir, 'shuffled'), { recursive: true });
    const file = join(dir, 'shuffled/eval/ttpa/report.json');
    const report = JSON.parse(readFileSync(file, 'utf8')) as EvalReport;
    writeFileSync(file, JSON.stringify({ ...report, turns: [...report.turns].reverse() }));
    const r = bundleRuns(join(dir, 'shuffled'), '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: its turns do not line up with ${join(dir, 'shuffled/eval/sft/report.json')}`);
    expect(existsSync(out)).toBe(false);
  });
});
