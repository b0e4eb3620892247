// wasm threads in the built app: served cross-origin isolated, the engine worker starts tfjs' threaded
// build with 2 threads (it used to hang) and trains to the same losses as 1 thread; served without the
// headers it runs 1 thread and says why, until the service worker adds them. The dev and preview servers send them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackendReport, TrainStepsRequest, TrainStepsResult } from '../../src/protocol.ts';
import { ISOLATION_HEADERS } from '../../src/core/runtime/isolation_headers.ts';
import { startApp, type App } from './harness.ts';

type Probe = { init(o: object): Promise<BackendReport>; trainSteps(r: object): Promise<TrainStepsResult> };

async function engineRun(app: App, threads: number): Promise<{ report: BackendReport; result: TrainStepsResult; errors: string[] }> {
  const page = await app.newPage();
  await page.goto(`${app.url}tests/browser/fixtures/engine_probe.html`);
  await page.waitForFunction(() => 'probe' in window);
  const request: TrainStepsRequest = { preset: 'tiny', seed: 7, steps: 3, lr: 1e-2 };
  const out = await page.evaluate(async ({ threads, request }) => {
    const engine = (window as unknown as { probe: { startEngine(): Probe } }).probe.startEngine();
    const report = await engine.init({ order: ['wasm'], threads });
    return { report, result: await engine.trainSteps(request) };
  }, { threads, request });
  await page.close();
  return { ...out, errors: page.errors };
}

describe('served cross-origin isolated', () => {
  let app: App;
  beforeAll(async () => { app = await startApp(); });
  afterAll(async () => { await app?.close(); });

  test('the engine runs wasm on 2 threads with the losses of 1 thread (to 1e-4)', async () => {
    const one = await engineRun(app, 1);
    const two = await engineRun(app, 2);
    expect(one.report).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(two.report).toMatchObject({ backend: 'wasm', threads: 2 });
    expect(two.report.threadsNote).toBeUndefined();
    two.result.losses.forEach((loss, i) => expect(Math.abs(loss - one.result.losses[i])).toBeLessThan(1e-4));
    expect([...one.errors, ...two.errors]).toEqual([]);
  });

  test("the harness's pages run the app on 1 thread (the other test file has the other core); a saved count still wins", async () => {
    const page = await app.newPage();
    await page.goto(`${app.url}?backend=wasm#model`);
    const threadsRow = page.locator('[data-testid=backend-report] dt:text("Threads") + dd');
    await expect.poll(() => threadsRow.textContent(), { timeout: 60_000 }).toBe('1');
    await page.evaluate(() => localStorage.setItem('ttpa-threads', '2'));
    await page.reload();
    await expect.poll(() => threadsRow.textContent(), { timeout: 60_000 }).toBe('2');
    await page.close();
  });
});

describe('served by a host without COOP/COEP', () => {
  let app: App;
  beforeAll(async () => { app = await startApp({ isolate: false }); });
  afterAll(async () => { await app?.close(); });

  test('wasm runs 1 thread and the report says why', async () => {
    const run = await engineRun(app, 2);
    expect(run.report.threads).toBe(1);
    expect(run.report.threadsNote).toMatch(/not cross-origin isolated/);
  });

  test('the service worker adds the headers: after its one reload the page is isolated', async () => {
    const page = await app.newPage({ threads: 'default' }); // the app's own default: one thread per core
    await page.goto(`${app.url}?backend=wasm#model`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null && crossOriginIsolated, undefined, { timeout: 60_000 });
    await page.locator('[data-testid=backend-report]').getByText('Threads').waitFor({ timeout: 60_000 });
    const threadsRow = await page.locator('[data-testid=backend-report] dt:text("Threads") + dd').textContent();
    expect(threadsRow).toBe(String(await page.evaluate(() => navigator.hardwareConcurrency)));
    await page.close();
  });
});

test('npm start (vite dev) and vite preview send COOP/COEP, and the dev server runs wasm on 2 threads', async () => {
  const { createServer, preview } = await import('vite');
  const dev = await createServer({ configFile: 'vite.config.ts', logLevel: 'silent', server: { port: 0 } });
  await dev.listen();
  const prev = await preview({ configFile: 'vite.config.ts', logLevel: 'silent', preview: { port: 0 }, build: { outDir: 'public' } });
  try {
    const devUrl = dev.resolvedUrls!.local[0];
    for (const url of [devUrl, `${prev.resolvedUrls!.local[0]}favicon.svg`]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      for (const [k, v] of Object.entries(ISOLATION_HEADERS)) expect(res.headers.get(k), `${k} from ${url}`).toBe(v);
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium', args: ['--no-sandbox'] });
    try {
      const devApp = { url: devUrl, newPage: async () => Object.assign(await browser.newPage(), { errors: [] as string[] }) } as unknown as App;
      // The first visit makes Vite optimise the dependencies, and it reloads the page when done: retry once.
      const run = await engineRun(devApp, 2).catch(() => engineRun(devApp, 2));
      expect(run.report).toMatchObject({ backend: 'wasm', threads: 2 });
    } finally {
      await browser.close();
    }
  } finally {
    await dev.close();
    await prev.close();
  }
});
