// The classroom view in headless Chromium: the first visit opens on the overview, "Start here" loads the
// bundled reference run at once (every seed's headline as a radio card under one line across seeds, chosen by
// keyboard; every arm its report lists, the headline with intervals, a pair story with top-k and ESM parts),
// one DPO update runs on a copy of the model; screenshots at 1280 and 390 px.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, screenshot, startApp, type App } from './harness.ts';

let app: App;
let page: Page & { errors: string[] };
interface Outcome { aWins: number; bWins: number; p: number }
interface Report { kind?: string; preset: string; seed: number; arms: Record<string, { errorRate: number; vsStart?: Outcome }>; start?: { errorRate: number }; ttpaVs: Record<string, Outcome> }
const bundle = JSON.parse(readFileSync(join(REPO, 'public/reference/run.json'), 'utf8')) as { runs: { report: Report }[] };
const reports = bundle.runs.map((r) => r.report);
/** A loop report's starting model is its own row ('sft') before the arms; a single-round report lists sft among its arms. */
const startRate = (r: Report): number => (r.kind === 'loop' ? r.start!.errorRate : r.arms.sft.errorRate);
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

beforeAll(async () => {
  app = await startApp();
  page = await app.newPage();
});
afterAll(async () => { await app?.close(); });

describe('classroom view', () => {
  test('a first visit opens on the overview; Start here shows the reference run with every arm of its report', async () => {
    await page.goto(`${app.url}?backend=wasm`);
    await page.locator('#tab-model[data-status=done]').waitFor({ timeout: 120_000 });
    expect(await page.locator('#panel-classroom').isVisible()).toBe(true);
    await page.locator('[data-testid=overview]').waitFor();
    await page.locator('[data-action=start-here]').click();
    await expect.poll(() => page.locator('[data-testid=classroom-status]').textContent()).toMatch(/^Reference run: preset/);
    const arms = await page.locator('[data-testid=arms] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-arm')));
    expect(arms).toEqual([...(reports[0].kind === 'loop' ? ['sft'] : []), ...Object.keys(reports[0].arms)]);
    expect(await page.locator('[data-testid=headline] .rate-value').first().textContent()).toBe(pct(startRate(reports[0])));
    expect(await page.locator('[data-testid=headline]').textContent()).toMatch(/95% interval \d+\.\d% – \d+\.\d%/);
    expect(await page.locator('[data-testid=verdict]').textContent()).toMatch(/turns? fixed, \d+ broken, of \d+/);
    await page.locator('[data-testid=story] .topk tbody tr').first().waitFor();
    await expect.poll(() => page.locator('[data-score=chosen] table').count(), { timeout: 10_000 }).toBe(1);
    await page.locator('[data-testid=classroom-chart-kl] canvas').waitFor();
    // Reloading does not show the overview again.
    await page.reload();
    await page.locator('#tab-model[data-status=done]').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-testid=overview]').isVisible()).toBe(false);
  });

  test('every seed is on screen with its headline; the line across seeds adds them up; a seed is chosen by keyboard', async () => {
    await page.locator('#tab-classroom').click();
    await page.locator('[data-action=load-reference]').click();
    await expect.poll(() => page.locator('[data-testid=classroom-status]').textContent()).toMatch(/^Reference run: preset/);
    const cards = page.locator('[data-testid=seeds] label.seed-card');
    expect(await cards.count()).toBe(reports.length);
    for (const [i, r] of reports.entries()) {
      const text = await cards.nth(i).textContent();
      expect(text).toContain(`Seed ${r.seed}`);
      expect(text).toContain(`start ${pct(startRate(r))} [`);
      expect(text).toContain(`TTPA ${pct(r.arms.ttpa.errorRate)} [`);
      expect(text).toContain(`${r.arms.ttpa.vsStart!.aWins} ${r.arms.ttpa.vsStart!.aWins === 1 ? 'turn' : 'turns'} fixed, ${r.arms.ttpa.vsStart!.bWins} broken, p`);
    }
    // The line, from the reports' own paired tests: seeds where TTPA fixed more turns than it broke, and the sums.
    const fewer = reports.filter((r) => r.arms.ttpa.vsStart!.aWins > r.arms.ttpa.vsStart!.bWins).length;
    const fixed = reports.reduce((n, r) => n + r.arms.ttpa.vsStart!.aWins, 0);
    const broken = reports.reduce((n, r) => n + r.arms.ttpa.vsStart!.bWins, 0);
    const line = await page.locator('[data-testid=seeds-line]').textContent();
    expect(line).toMatch(new RegExp(`^TTPA had fewer test errors than the start model on ${fewer} of ${reports.length} seeds`));
    expect(line).toContain(`${fixed.toLocaleString('en-US')} turns fixed, ${broken.toLocaleString('en-US')} broken`);
    // and what the preference term adds: TTPA against continued SFT, from the reports' own paired tests
    const vsFixed = reports.reduce((n, r) => n + r.ttpaVs['sft-continued'].aWins, 0);
    const vsBroken = reports.reduce((n, r) => n + r.ttpaVs['sft-continued'].bWins, 0);
    expect(line).toContain(`What the preference term adds, TTPA against continued SFT over all ${reports.length} seeds: ${vsFixed.toLocaleString('en-US')} turns fixed, ${vsBroken.toLocaleString('en-US')} broken`);
    // The first seed's details are shown; arrow keys move through the radio group and show each seed's.
    const radios = page.locator('[data-testid=seeds] input[type=radio]');
    expect(await radios.first().isChecked()).toBe(true);
    expect(await page.locator('[data-testid=headline] h3').textContent()).toMatch(new RegExp(`^Seed ${reports[0].seed}: error rate`));
    await radios.first().focus();
    for (const [i, r] of reports.entries()) {
      if (i === 0) continue;
      await page.keyboard.press('ArrowRight');
      expect(await radios.nth(i).isChecked()).toBe(true);
      await expect.poll(() => page.locator('[data-testid=headline] h3').textContent()).toMatch(new RegExp(`^Seed ${r.seed}: error rate`));
      const rates = await page.locator('[data-testid=headline] .rate-value').allTextContents();
      expect(rates).toEqual([pct(startRate(r)), pct(r.arms.ttpa.errorRate)]);
      const o = r.arms.ttpa.vsStart!;
      expect(await page.locator('[data-testid=verdict]').textContent()).toContain(`${o.aWins} ${o.aWins === 1 ? 'turn' : 'turns'} fixed, ${o.bWins} broken, of `);
      expect(await page.locator('[data-arm=ttpa] td').nth(1).textContent()).toBe(pct(r.arms.ttpa.errorRate));
      expect(await page.locator('#arms-title').textContent()).toBe(`Seed ${r.seed}: Every model on the same test turns`);
    }
    await radios.first().check();
    expect(await page.locator('[data-testid=headline] h3').textContent()).toMatch(new RegExp(`^Seed ${reports[0].seed}: error rate`));
  });

  test('a term is explained where it appears, without a mouse', async () => {
    await page.locator('#tab-classroom').click();
    await page.locator('[data-action=load-reference]').click();
    // The headline is rendered again once the bundle has loaded; focus the summary of that one.
    await expect.poll(() => page.locator('[data-testid=classroom-status]').textContent()).toMatch(/^Reference run: preset/);
    await page.locator('[data-testid=headline] h3 .term summary').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid=headline] h3 .term .term-text').isVisible()).toBe(true);
  });

  test('one DPO update on the shown pair reports p(chosen) and p(rejected) before and after', async () => {
    await page.selectOption('#probe-lr', '1e-3');
    await page.locator('[data-action=probe]').click();
    const result = page.locator('[data-testid=probe-result]');
    await expect.poll(() => result.textContent(), { timeout: 120_000 }).toMatch(/p\(chosen token\)/);
    expect(await result.textContent()).toMatch(/One step at lr 0\.001/);
    expect(await page.locator('[data-testid=model-name]').textContent()).toBe('model: default');
  });

  test('a loop run (rounds, arms such as rft) bundled by the script renders every arm and its rounds', async () => {
    // A real run: the tiny preset as a two-round loop with three arms, bundled by scripts/bundle_reference.mjs.
    const dir = mkdtempSync(join(tmpdir(), 'ttpa-loop-'));
    try {
      const tiny = JSON.parse(readFileSync(join(REPO, 'models/presets/tiny.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'preset.json'), JSON.stringify({ ...tiny, name: 'tiny-loop', loop: { rounds: 2, promptsPerRound: 4, arms: ['ttpa', 'control', 'rft'], valLimit: 3, passAtK: 0 } }));
      execFileSync('node', [join(REPO, 'bin/ttpa.mjs'), 'pipeline', '--preset', join(dir, 'preset.json'), '--out', join(dir, 'run')], { cwd: REPO, stdio: 'pipe' });
      execFileSync('node', [join(REPO, 'scripts/bundle_reference.mjs'), join(dir, 'run'), '--prompts', '4', '--out', join(dir, 'bundle.json'), '--caveat', 'Measured later: this dose is too low.'], { cwd: REPO, stdio: 'pipe' });
      const loopBundle = readFileSync(join(dir, 'bundle.json'), 'utf8');
      const report = JSON.parse(loopBundle).runs[0].report as { arms: Record<string, { rounds: unknown[] }> };
      // The service worker would answer from its cache, out of the route's reach: a context without one.
      const context = await app.newContext({ serviceWorkers: 'block' });
      const p = await context.newPage();
      await p.route('**/reference/run.json', (route) => route.fulfill({ body: loopBundle, contentType: 'application/json' }));
      await p.goto(`${app.url}?backend=wasm#classroom`);
      await p.locator('[data-action=load-reference]').click();
      await expect.poll(() => p.locator('[data-testid=classroom-status]').textContent()).toMatch(/preset tiny-loop, seed 1, 2-round loop/);
      const arms = await p.locator('[data-testid=arms] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-arm')));
      expect(arms).toEqual(['sft', ...Object.keys(report.arms)]);
      // the bundler's caveat stands above the numbers
      expect(await p.locator('[data-testid=classroom-caveat]').textContent()).toBe('Measured later: this dose is too low.');
      expect(await p.locator('[data-testid=classroom-caveat]').isVisible()).toBe(true);
      expect(await p.locator('[data-arm=rft] [data-testid=rounds]').textContent()).toMatch(/^round 1 \d+\.\d%, round 2 \d+\.\d% \(kept/);
      await screenshot(p, 'classroom-loop-1280');
      await context.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  test('screenshots at 1280 and 390 px (tests/artifacts/classroom-*.png)', async () => {
    await page.locator('#tab-classroom').click();
    await page.locator('[data-action=load-reference]').click();
    await expect.poll(() => page.locator('[data-testid=classroom-status]').textContent()).toContain(`preset ${reports[0].preset}`);
    await screenshot(page, 'classroom-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'classroom-390');
    // Viewport-sized views of the top (headline) and of the pair story, as a phone shows them.
    await page.screenshot({ path: join(REPO, 'tests/artifacts/classroom-390-top.png') });
    await page.locator('#story-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(REPO, 'tests/artifacts/classroom-390-story.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(page.errors).toEqual([]);
  });
});
