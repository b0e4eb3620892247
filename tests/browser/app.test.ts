// The built app in headless Chromium: it loads, starts the engine worker on WebGPU, is usable with the
// keyboard and on a narrow window, and works offline after the first load (service worker).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { screenshot, startApp, withCpuLock, type App } from './harness.ts';

let app: App;
beforeAll(async () => { app = await startApp(); });
afterAll(async () => { await app?.close(); });

test('loads on webgpu when asked (?backend=webgpu), on SwiftShader here', async () => {
  const page = await app.newPage();
  await page.goto(`${app.url}?backend=webgpu#model`);
  const backend = page.locator('[data-testid=backend][data-backend]');
  await backend.waitFor({ timeout: 60_000 });
  expect(await backend.getAttribute('data-backend')).toBe('webgpu');
  await page.locator('[data-testid=backend-report]').getByText('swiftshader').waitFor();
  await expect.poll(() => page.locator('[data-testid=model-name]').textContent(), { timeout: 60_000 }).toBe('model: default');
  await screenshot(page, 'model');
  expect(page.errors).toEqual([]);
  await page.close();
});

test('stage bar works with the keyboard; the layout fits a narrow window', async () => {
  const page = await app.newPage();
  await page.goto(`${app.url}#data`);
  await page.locator('#tab-data').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-sft');
  expect(await page.locator('#panel-sft').isVisible()).toBe(true);
  expect(await page.locator('#panel-data').isVisible()).toBe(false);
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('[role=tabpanel]')?.id)).toBe('panel-sft');
  await page.setViewportSize({ width: 400, height: 800 });
  await page.locator('#tab-pairs').click();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(401);
  await screenshot(page, 'narrow-pairs');
  await page.close();
});

test('works offline after the first load', async () => {
  const page = await app.newPage();
  await page.goto(`${app.url}?backend=webgpu#model`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
  await page.context().setOffline(true);
  await page.reload();
  await page.locator('[data-testid=backend][data-backend=webgpu]').waitFor({ timeout: 60_000 });
  await expect.poll(() => page.locator('[data-testid=model-name]').textContent(), { timeout: 60_000 }).toBe('model: default');
  await screenshot(page, 'offline');
  await page.close();
});

test('trains SFT through the UI on webgpu (one step, tiny preset)', async () => {
  const page = await app.newPage();
  await page.goto(`${app.url}?backend=webgpu#data`);
  await page.locator('[data-testid=backend][data-backend=webgpu]').waitFor({ timeout: 60_000 });
  await page.locator('#tab-model[data-status=done]').waitFor({ timeout: 120_000 });
  const setConfig = async (stage: string, overrides: Record<string, unknown>): Promise<void> => {
    await page.locator(`#panel-${stage} details.config-editor`).evaluate((d) => { (d as HTMLDetailsElement).open = true; });
    await page.locator(`#config-${stage}`).fill(JSON.stringify(overrides));
    await page.waitForFunction(([id, want]) => {
      const got = JSON.parse((document.getElementById(id) as HTMLTextAreaElement).dataset.resolved || '{}') as Record<string, unknown>;
      return Object.entries(JSON.parse(want) as Record<string, unknown>).every(([k, v]) => JSON.stringify(got[k]) === JSON.stringify(v));
    }, [`config-${stage}`, JSON.stringify(overrides)] as const);
  };
  await setConfig('data', { n: 6, seed: 3 });
  await page.locator('#panel-data [data-action=start]').click();
  await page.locator('#tab-data[data-status=done]').waitFor({ timeout: 60_000 }).catch(async (e) => { await screenshot(page, 'debug-webgpu'); throw e; });
  await page.locator('#tab-model').click();
  await setConfig('model', { preset: 'tiny', seed: 0, overrides: { max_position_embeddings: 512 } });
  await page.locator('[data-action=fresh-model]').click();
  await expect.poll(() => page.locator('[data-testid=model-name]').textContent(), { timeout: 60_000 }).toBe('model: tiny');
  await page.locator('#tab-sft').click();
  await setConfig('sft', { steps: 1, batchSize: 1, warmupSteps: 0, seqLen: 256, checkpointEvery: 0 });
  await withCpuLock(async () => {
    await page.locator('#panel-sft [data-action=start]').click();
    await page.locator('#tab-sft[data-status=done], #tab-sft[data-status=error]').waitFor({ timeout: 240_000 });
  });
  expect(await page.locator('[data-testid=sft-message]').textContent()).toBe('done');
  expect(await page.locator('[data-testid=backend]').getAttribute('data-backend')).toBe('webgpu');
  await screenshot(page, 'sft-webgpu');
  expect(page.errors).toEqual([]);
  await page.close();
}, 400_000);

