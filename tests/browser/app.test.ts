// The built app in headless Chromium: it loads, starts the engine worker and reports the backend.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { screenshot, startApp, type App } from './harness.ts';

let app: App;
beforeAll(async () => { app = await startApp(); });
afterAll(async () => { await app?.close(); });

test('loads and reports webgpu as the backend', async () => {
  const page = await app.newPage();
  await page.goto(`${app.url}#model`);
  const backend = page.locator('[data-testid=backend][data-backend]');
  await backend.waitFor({ timeout: 60_000 });
  expect(await backend.getAttribute('data-backend')).toBe('webgpu');
  await page.locator('[data-testid=backend-report]').getByText('swiftshader').waitFor();
  await screenshot(page, 'model');
  expect(page.errors).toEqual([]);
  await page.close();
});
