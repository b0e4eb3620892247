// The classroom view in headless Chromium: the first visit opens on the overview, "Start here" loads the
// bundled reference run at once (every arm its report lists, the headline with intervals, a pair story with
// top-k and ESM parts), one DPO update runs on a copy of the model; screenshots at 1280 and 390 px.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, screenshot, startApp, type App } from './harness.ts';

let app: App;
let page: Page & { errors: string[] };
const bundle = JSON.parse(readFileSync(join(REPO, 'public/reference/run.json'), 'utf8')) as {
  source: { preset: string };
  report: { kind?: string; arms: Record<string, { errorRate: number }>; start?: { errorRate: number } };
};
/** A loop report's starting model is its own row ('sft') before the arms; a single-round report lists sft among its arms. */
const isLoop = bundle.report.kind === 'loop';

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
    expect(arms).toEqual([...(isLoop ? ['sft'] : []), ...Object.keys(bundle.report.arms)]);
    const sft = isLoop ? bundle.report.start!.errorRate : bundle.report.arms.sft.errorRate;
    expect(await page.locator('[data-testid=headline] .rate-value').first().textContent()).toBe(`${(100 * sft).toFixed(1)}%`);
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

  test('a term is explained where it appears, without a mouse', async () => {
    await page.locator('#tab-classroom').click();
    await page.locator('[data-action=load-reference]').click();
    await page.locator('[data-testid=headline] h3 .term summary').waitFor();
    await page.locator('[data-testid=headline] h3 .term summary').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('[data-testid=headline] h3 .term .term-text').isVisible()).toBe(true);
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
      execFileSync('node', [join(REPO, 'scripts/bundle_reference.mjs'), join(dir, 'run'), '--prompts', '4', '--out', join(dir, 'bundle.json')], { cwd: REPO, stdio: 'pipe' });
      const loopBundle = readFileSync(join(dir, 'bundle.json'), 'utf8');
      const report = JSON.parse(loopBundle).report as { arms: Record<string, { rounds: unknown[] }> };
      // The service worker would answer from its cache, out of the route's reach: a context without one.
      const context = await app.newContext({ serviceWorkers: 'block' });
      const p = await context.newPage();
      await p.route('**/reference/run.json', (route) => route.fulfill({ body: loopBundle, contentType: 'application/json' }));
      await p.goto(`${app.url}?backend=wasm#classroom`);
      await p.locator('[data-action=load-reference]').click();
      await expect.poll(() => p.locator('[data-testid=classroom-status]').textContent()).toMatch(/preset tiny-loop, seed 1, 2-round loop/);
      const arms = await p.locator('[data-testid=arms] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-arm')));
      expect(arms).toEqual(['sft', ...Object.keys(report.arms)]);
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
    await expect.poll(() => page.locator('[data-testid=classroom-status]').textContent()).toContain(`preset ${bundle.source.preset}`);
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
