// Accessibility and narrow-window checks on every panel of the built app: axe-core (the npm package) finds no
// serious or critical violation, and at 390 px wide no panel scrolls sideways.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { screenshot, startApp, type App } from './harness.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const PANELS = ['classroom', 'data', 'model', 'sft', 'pairs', 'dpo', 'evaluate', 'export'];

let app: App;
let page: Page & { errors: string[] };

beforeAll(async () => {
  app = await startApp();
  page = await app.newPage();
  await page.goto(`${app.url}?backend=wasm#data`);
  await page.locator('#tab-model[data-status=done]').waitFor({ timeout: 120_000 });
  // Some content in the lists and tables: a small dataset.
  await page.locator('#panel-data details.config-editor').evaluate((d) => { (d as HTMLDetailsElement).open = true; });
  await page.locator('#config-data').fill(JSON.stringify({ n: 8, seed: 5 }));
  await page.waitForFunction(() => JSON.parse((document.getElementById('config-data') as HTMLTextAreaElement).dataset.resolved || '{}').n === 8);
  await page.locator('#panel-data [data-action=start]').click();
  await page.locator('#tab-data[data-status=done]').waitFor({ timeout: 60_000 });
  // The richest content: the classroom with the reference run (story, top-k, tables, charts).
  await page.locator('#tab-classroom').click();
  await page.locator('[data-action=load-reference]').click();
  await page.locator('[data-score=chosen] table').waitFor({ timeout: 30_000 });
});
afterAll(async () => { await app?.close(); });

interface AxeResult { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }
let rulesPassed = 0;

async function seriousViolations(panel: string): Promise<string[]> {
  await page.locator(`#tab-${panel}`).click();
  await page.locator(`#panel-${panel}`).waitFor();
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe;
    // The visible panel plus the page chrome (header, stage bar); hidden panels are not rendered.
    const r = await axe.run({ exclude: [...document.querySelectorAll('.stage-panel[hidden]')].map((e) => `#${e.id}`) }, {}) as { violations: AxeResult[]; passes: unknown[] };
    return { violations: r.violations, passes: r.passes.length };
  });
  rulesPassed += violations.passes;
  return violations.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${panel}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility and narrow layout', () => {
  test('axe-core: no serious or critical violation on any panel', async () => {
    const found: string[] = [];
    for (const panel of PANELS) found.push(...(await seriousViolations(panel)));
    expect(found).toEqual([]);
    // axe really ran: rules checked and passed on every panel.
    expect(rulesPassed).toBeGreaterThan(PANELS.length * 10);
  });

  test('configs have labelled fields with range and help; a field edits the JSON; a bad value names the field', async () => {
    await page.locator('#tab-dpo').click();
    const lr = page.locator('#field-dpo-lr');
    await expect.poll(() => lr.inputValue()).toBe('0.0001');
    expect(await page.locator('label[for=field-dpo-lr]').textContent()).toBe('Learning rate');
    expect(await lr.getAttribute('max')).toBe('0.01');
    expect(await page.locator('#field-dpo-lr-help').textContent()).toMatch(/Tuned: 1e-4/);
    await lr.fill('0.0005');
    await lr.dispatchEvent('change');
    await expect.poll(async () => JSON.parse((await page.locator('#config-dpo').getAttribute('data-resolved')) || '{}').lr).toBe(0.0005);
    await lr.fill('-1');
    await lr.dispatchEvent('change');
    await expect.poll(() => page.locator('#panel-dpo .config-error').textContent()).toMatch(/dpo\.lr must be > 0, got -1/);
    await lr.fill('0.0001');
    await lr.dispatchEvent('change');
    await expect.poll(() => page.locator('#panel-dpo .config-error').textContent()).toBe('');
  });

  test('at 390 px wide no panel is wider than the window, and every stage tab is in view', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const wide: string[] = [];
    for (const panel of PANELS) {
      await page.locator(`#tab-${panel}`).click();
      await page.waitForTimeout(100);
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      if (w > 390) wide.push(`${panel}: ${w} px`);
      await screenshot(page, `narrow-390-${panel}`);
    }
    expect(wide).toEqual([]);
    for (const panel of PANELS) {
      const box = await page.locator(`#tab-${panel}`).boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 390, `tab ${panel} in view`).toBe(true);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
