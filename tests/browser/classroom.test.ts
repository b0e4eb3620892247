// The classroom view in headless Chromium: the first visit opens on the overview, "Start here" loads the
// bundled reference run at once (every arm its report lists, the headline with intervals, a pair story with
// top-k and ESM parts), one DPO update runs on a copy of the model; screenshots at 1280 and 390 px.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, screenshot, startApp, type App } from './harness.ts';

let app: App;
let page: Page & { errors: string[] };
const bundle = JSON.parse(readFileSync(join(REPO, 'public/reference/run.json'), 'utf8')) as { report: { arms: Record<string, { errorRate: number }> } };

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
    expect(arms).toEqual(Object.keys(bundle.report.arms));
    const sft = bundle.report.arms.sft.errorRate;
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

  test('screenshots at 1280 and 390 px (tests/artifacts/classroom-*.png)', async () => {
    await page.locator('#tab-classroom').click();
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
