// The app's defects from issue 13, each checked in headless Chromium on the built app: tuned DPO defaults and
// the runaway guard with rollback, software WebGPU skipped, re-import of the same file, stale downstream results,
// DPO restarts from its reference, stages blocking each other, storage and progress text, and the smaller ones.
// One page on wasm with a tiny model; tests run in order and build on each other.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { preview } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO, screenshot, startApp, waitResolved as waitForResolved, withCpuLock, type App } from './harness.ts';

let app: App;
let page: Page & { errors: string[] };

beforeAll(async () => {
  app = await startApp();
  page = await app.newPage();
  // Every text the Start buttons' "why not" line ever shows, from the first paint on.
  await page.addInitScript(() => {
    const w = window as unknown as { blockedTexts: string[] };
    w.blockedTexts = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('.job .row .muted')) if (el.textContent) w.blockedTexts.push(el.textContent);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
});
afterAll(async () => { await app?.close(); });

async function gotoStage(stage: string): Promise<void> {
  await page.locator(`#tab-${stage}`).click();
  await page.locator(`#panel-${stage}`).waitFor();
}

async function fillConfig(stage: string, overrides: Record<string, unknown>): Promise<void> {
  await page.locator(`#panel-${stage} details.config-editor`).evaluate((d) => { (d as HTMLDetailsElement).open = true; });
  await page.locator(`#config-${stage}`).fill(JSON.stringify(overrides));
}

const waitResolved = (stage: string, overrides: Record<string, unknown>): Promise<void> => waitForResolved(page, stage, overrides);

async function setConfig(stage: string, overrides: Record<string, unknown>): Promise<void> {
  await fillConfig(stage, overrides);
  await waitResolved(stage, overrides);
}

const resolved = async (stage: string): Promise<Record<string, unknown>> =>
  JSON.parse((await page.locator(`#config-${stage}`).getAttribute('data-resolved')) || '{}') as Record<string, unknown>;

async function runStage(stage: string, timeout = 240_000): Promise<void> {
  await expect.poll(() => page.locator(`#panel-${stage} .job .row .muted`).textContent(), { timeout: 5000 }).toBe('');
  await page.locator(`#panel-${stage} [data-action=start]`).click();
  await page.locator(`#tab-${stage}[data-status=done], #tab-${stage}[data-status=error]`).waitFor({ timeout });
  const error = await page.locator(`[data-testid=${stage}-message]`).textContent();
  expect(await page.locator(`#tab-${stage}`).getAttribute('data-status'), `${stage}: ${error}`).toBe('done');
}

const status = (stage: string): Promise<string | null> => page.locator(`#tab-${stage}`).getAttribute('data-status');
const modelName = (): Promise<string | null> => page.locator('[data-testid=model-name]').textContent();

describe('defects of issue 13', () => {
  test('3: offline works behind vite preview (which sends Vary: Origin)', async () => {
    const server = await preview({
      root: REPO, configFile: join(REPO, 'vite.config.ts'), logLevel: 'warn',
      preview: { port: 0, host: '127.0.0.1', strictPort: false }, build: { outDir: app.outDir },
    });
    const url = server.resolvedUrls!.local[0];
    const context = await app.newContext();
    const p = await context.newPage();
    try {
      await p.goto(`${url}?backend=wasm#model`);
      await p.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
      const res = await p.request.get(`${url}index.html`, { headers: { origin: url.replace(/\/$/, '') } });
      expect(res.headers().vary ?? '').toMatch(/Origin/i);
      await server.close();
      await p.reload();
      await expect.poll(() => p.locator('[data-testid=model-name]').textContent(), { timeout: 60_000 }).toBe('model: default');
    } finally {
      await context.close();
      await server.close();
    }
  });

  test('2: without ?backend the app skips software WebGPU for wasm, says why, and keeps webgpu selectable', async () => {
    await page.goto(`${app.url}#model`);
    await page.locator('[data-testid=backend][data-backend]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=backend]').getAttribute('data-backend')).toBe('wasm');
    expect(await page.locator('[data-testid=backend-note]').textContent()).toMatch(/webgpu skipped: the WebGPU adapter is a software emulator/);
    expect(await page.locator('[data-testid=backend-report]').textContent()).toMatch(/webgpu skipped.*swiftshader.*\?backend=webgpu/i);
    expect(await page.locator('#backend-choice option[value=webgpu]').count()).toBe(1);
    await expect.poll(modelName, { timeout: 60_000 }).toBe('model: default');
  });

  test('12: no "fix the config first" flash on first paint; the backend picker shows a ?backend pin', async () => {
    await page.goto(`${app.url}?backend=wasm#model`);
    await page.locator('[data-testid=backend][data-backend=wasm]').waitFor({ timeout: 60_000 });
    await page.locator('#tab-model[data-status=done]').waitFor({ timeout: 120_000 });
    const seen = await page.evaluate(() => (window as unknown as { blockedTexts: string[] }).blockedTexts);
    expect(seen).not.toContain('fix the config first');
    expect(await page.locator('#backend-choice').inputValue()).toBe('wasm');
    expect(await page.locator('[data-testid=backend-pinned]').textContent()).toContain('?backend=wasm');
  });

  test('10: while idle the header\'s live region stays quiet (memory is not announced every refresh)', async () => {
    const changes = await page.evaluate(() => new Promise<number>((resolve) => {
      let n = 0;
      const live = [...document.querySelectorAll('.app-header [role=status], .app-header [aria-live]')];
      const obs = new MutationObserver((records) => { n += records.length; });
      for (const el of live) obs.observe(el, { subtree: true, childList: true, characterData: true });
      // The status refresh runs every 5 s: watch two of them.
      setTimeout(() => { obs.disconnect(); resolve(n); }, 11_000);
    }));
    expect(changes).toBe(0);
  });

  test('1: DPO and Pairs start from the tuned demo settings', async () => {
    await gotoStage('dpo');
    await expect.poll(() => resolved('dpo')).toMatchObject({ lr: 1e-4, beta: 0.1, lossType: 'sigmoid', rpoAlpha: 1, steps: 120 });
    await gotoStage('pairs');
    await expect.poll(() => resolved('pairs')).toMatchObject({ maxPrompts: 200 });
  });

  test('4 and 12: the same file picked again imports again; an import without a test split says so', async () => {
    await gotoStage('data');
    const file = join(REPO, 'tests/fixtures/data/hermes_mixed.jsonl');
    await page.selectOption('#import-format', 'native');
    await page.locator('#import-dataset').setInputFiles(file);
    await expect.poll(() => page.locator('[data-testid=import-message]').textContent()).toMatch(/Import failed|as native/);
    await page.selectOption('#import-format', 'hermes');
    await page.locator('#import-dataset').setInputFiles(file);
    await expect.poll(() => page.locator('[data-testid=import-message]').textContent()).toMatch(/samples imported from hermes_mixed\.jsonl as hermes/);
    expect(await status('data')).toBe('done');
    await gotoStage('evaluate');
    await setConfig('evaluate', { maxSamples: 1, maxNewTokens: 8 });
    await runStage('evaluate');
    const note = await page.locator('[data-testid=eval-note]').allTextContents();
    const test = await page.evaluate(() => document.querySelector('[data-testid=data-summary]')?.textContent ?? '');
    // Either the importer gave it a test split, or Evaluate says which samples it used instead.
    if (!/test [1-9]/.test(test)) expect(note.join(' ')).toMatch(/no test split: evaluated on (val|train) samples/);
    // a call bias (the Call bias field) is stated beside the numbers it produced
    await setConfig('evaluate', { maxSamples: 1, maxNewTokens: 8, callBias: -3 });
    await runStage('evaluate');
    expect((await page.locator('[data-testid=eval-note]').allTextContents()).join(' ')).toContain("decoded with a call bias of -3 nats on <tool_call> at each turn's first token (0 is plain greedy)");
  });

  test('12: Delete dataset leaves Data not done', async () => {
    await gotoStage('data');
    await setConfig('data', { n: 8, seed: 4 });
    await runStage('data');
    await gotoStage('export');
    await page.getByRole('button', { name: 'Delete dataset' }).click();
    await expect.poll(() => status('data')).toBe('idle');
  });

  test('12: a tiny preset model gets its own tokenizer size in the browser', async () => {
    await gotoStage('data');
    await setConfig('data', { n: 16, seed: 2 });
    await runStage('data');
    await gotoStage('model');
    await setConfig('model', { preset: 'tiny', seed: 0, overrides: { max_position_embeddings: 512 }, tokenizerVocab: 320 });
    await page.locator('[data-action=fresh-model]').click();
    await expect.poll(modelName, { timeout: 60_000 }).toBe('model: tiny');
    await expect.poll(() => page.locator('[data-testid=model-report]').textContent()).toMatch(/Vocabulary320/);
  });

  test('12: a failed import keeps the Model stage done with the old model, and names the picked file', async () => {
    await page.locator('#model-files').setInputFiles(join(REPO, 'tests/fixtures/data/hermes_mixed.jsonl'));
    await expect.poll(() => page.locator('[data-testid=model-message]').textContent(), { timeout: 30_000 }).toMatch(/Importing hermes_mixed\.jsonl failed/);
    expect(await status('model')).toBe('done');
    expect(await modelName()).toBe('model: tiny');
    // The rest runs on the shipped model, as a new user would.
    await page.getByRole('button', { name: 'Load default model' }).click();
    await expect.poll(modelName, { timeout: 60_000 }).toBe('model: default');
  });

  test('9: a finished Pairs run shows a full bar and its last step', async () => {
    await gotoStage('pairs');
    await setConfig('pairs', { maxPrompts: 6, maxNewTokens: 48, minTop1Prob: 1, minAltProb: 0, maxBranchesPerPrompt: 3 });
    await runStage('pairs');
    await expect.poll(() => page.locator('[data-testid=pairs-stats]').textContent()).toMatch(/^[1-9]\d* pairs from/);
    const bar = await page.locator('#panel-pairs progress').evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max]);
    expect(bar[0]).toBe(bar[1]);
    const [, a, b] = /step (\d+) \/ (\d+)/.exec((await page.locator('[data-testid=pairs-step]').textContent()) ?? '') ?? [];
    expect(a).toBe(b);
    // 12: pair text is never blank (whitespace made visible) and long text ends with an ellipsis.
    for (const cell of await page.locator('[data-testid=pair-table] .pair-text').allTextContents()) {
      const text = cell.slice(0, cell.lastIndexOf(' [ESM'));
      expect(text.trim()).not.toBe('');
      if (text.length >= 120) expect(text.endsWith('…')).toBe(true);
    }
  });

  test('10: Next branch keeps focus on the button; every token shows its probability as text', async () => {
    const next = page.locator('[data-action=next-branch]');
    await next.focus();
    await page.keyboard.press('Space');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-action'))).toBe('next-branch');
    const probs = await page.locator('[data-testid=token-strip] .token .tok-p').allTextContents();
    expect(probs.length).toBe(await page.locator('[data-testid=token-strip] .token').count());
    for (const p of probs) expect(p).toMatch(/^[01]\.\d\d$/);
  });

  test('1: a DPO run whose KL runs away warns and rolls back to the pre-DPO model', async () => {
    await gotoStage('dpo');
    await setConfig('dpo', { steps: 4, batchSize: 2, gradAccumSteps: 1, warmupSteps: 0, lr: 0.01, seqLen: 256, checkpointEvery: 0 });
    await withCpuLock(() => runStage('dpo'));
    expect(await modelName()).toBe('model: default + DPO');
    const alert = page.locator('[data-testid=alert]');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toMatch(/ran away: KL to the reference on the chosen \(right\) completions was \d/);
    await screenshot(page, 'dpo-runaway');
    await alert.getByRole('button', { name: 'Roll back to the pre-DPO model' }).click();
    await expect.poll(modelName, { timeout: 60_000 }).toBe('model: default');
    // rollback() marks the stage stopped once loadModel returns, after the header already names the model
    await expect.poll(() => status('dpo'), { timeout: 10_000 }).toBe('stopped');
  });

  test('6 and 8: a second Start DPO trains from the reference again; Export lists the new checkpoint at once', async () => {
    await setConfig('dpo', { steps: 2, batchSize: 2, gradAccumSteps: 1, warmupSteps: 0, lr: 1e-4, seqLen: 256, checkpointEvery: 0 });
    await withCpuLock(() => runStage('dpo'));
    const first = await page.evaluate(() => document.querySelector('[data-testid=dpo-notes]')?.textContent ?? '');
    await withCpuLock(() => runStage('dpo'));
    expect(await page.locator('[data-testid=dpo-notes]').textContent()).toMatch(/started from the pre-DPO model again/);
    expect(await modelName()).toBe('model: default + DPO');
    expect(first).not.toMatch(/started from the pre-DPO model again/);
    await gotoStage('export');
    await expect.poll(() => page.locator('[data-testid=storage] tbody').textContent(), { timeout: 10_000 }).toMatch(/dpo-\d+-checkpoint-2/);
  });

  test('12: Evaluate adds one history line and writes changes in points without "-0.0"', async () => {
    const lines = async (): Promise<number> => (await page.locator('[data-testid=history] li').allTextContents()).length;
    const before = await lines();
    await gotoStage('evaluate');
    await setConfig('evaluate', { maxSamples: 2, maxNewTokens: 8 });
    await runStage('evaluate');
    expect(await lines()).toBe(before + 1);
    const changes = await page.locator('[data-testid=eval-table] tbody tr td:last-child').allTextContents();
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c).toMatch(/^(–|0\.0 pt|0\.000|[+-]\d+\.\d pt|[+-]\d\.\d{3})$/);
  });

  test('7 and 9: while DPO is paused Evaluate cannot start and nothing turns red; a cancelled run shows no ETA', async () => {
    await gotoStage('dpo');
    await setConfig('dpo', { steps: 200, batchSize: 2, gradAccumSteps: 1, warmupSteps: 0, lr: 1e-4, seqLen: 256, checkpointEvery: 0 });
    await page.locator('#panel-dpo [data-action=start]').click();
    await page.waitForFunction(() => /step ([2-9]|\d\d+) \/ 200/.test(document.querySelector('[data-testid=dpo-step]')?.textContent ?? ''));
    await page.locator('#panel-dpo [data-action=pause]').click();
    await page.locator('#tab-dpo[data-status=paused]').waitFor();
    await gotoStage('evaluate');
    const start = page.locator('#panel-evaluate [data-action=start]');
    expect(await start.isDisabled()).toBe(true);
    expect(await page.locator('#panel-evaluate .job .row .muted').textContent()).toBe('DPO is paused: finish or cancel it first');
    await start.click({ force: true });
    expect(await status('evaluate')).not.toBe('error');
    await gotoStage('dpo');
    await page.locator('#panel-dpo [data-action=pause]').click();
    await page.locator('#panel-dpo [data-action=cancel]').click();
    await page.locator('#tab-dpo[data-status=stopped]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=dpo-message]').textContent()).toBe('cancelled');
    expect(await page.locator('#panel-dpo .job-line').textContent()).not.toMatch(/ETA/);
    // As a user would, a moment after the run ends (state is saved 400 ms after a change).
    await page.waitForTimeout(1000);
    await page.reload();
    await page.locator('#tab-model[data-status=done]').waitFor({ timeout: 120_000 });
    // The Model tab's status is restored from storage at once; the header names the model once the engine has it.
    await expect.poll(modelName, { timeout: 120_000 }).toBe('model: default + DPO');
    expect(await status('evaluate')).not.toBe('error');
  });

  test('6: Evaluate after a cancelled run says where it stopped', async () => {
    await gotoStage('evaluate');
    await setConfig('evaluate', { maxSamples: 1, maxNewTokens: 8 });
    await runStage('evaluate');
    expect(await page.locator('[data-testid=eval-table] thead').textContent()).toMatch(/after DPO \(cancelled at step \d+ of 200\)/);
  });

  test('an edit typed while the workers are still starting is kept (the saved config read on load never overwrites it)', async () => {
    // Holds every message to the workers until released, so the saved config's resolution surely ends after the edit.
    await page.addInitScript(() => {
      if (sessionStorage.getItem('holdWorkers') !== '1') return;
      const held: [Worker, unknown[]][] = [];
      const post = Worker.prototype.postMessage;
      let holding = true;
      Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]) {
        if (holding) held.push([this, args]);
        else (post as (...a: unknown[]) => void).apply(this, args);
      };
      (window as unknown as { releaseWorkers(): void }).releaseWorkers = () => {
        holding = false;
        for (const [w, args] of held.splice(0)) (post as (...a: unknown[]) => void).apply(w, args);
      };
    });
    if (!page.url().startsWith(app.url)) await page.goto(`${app.url}?backend=wasm#evaluate`);
    await page.evaluate(() => sessionStorage.setItem('holdWorkers', '1'));
    await page.reload();
    await gotoStage('evaluate');
    const edit = { maxSamples: 2, maxNewTokens: 8 };
    await fillConfig('evaluate', edit);
    await page.waitForTimeout(500); // the edit's own validation is held too
    await page.evaluate(() => {
      sessionStorage.removeItem('holdWorkers');
      (window as unknown as { releaseWorkers(): void }).releaseWorkers();
    });
    await waitResolved('evaluate', edit);
    await page.locator('#tab-model[data-status=done]').waitFor({ timeout: 120_000 });
    await page.waitForTimeout(500);
    expect(await resolved('evaluate')).toMatchObject(edit);
    expect(JSON.parse(await page.locator('#config-evaluate').inputValue())).toMatchObject(edit);
  });

  test('5: new data marks Pairs, DPO and Evaluate stale, and DPO will not train on the old pairs', async () => {
    await gotoStage('data');
    await setConfig('data', { n: 16, seed: 7 });
    await runStage('data');
    for (const stage of ['pairs', 'dpo', 'evaluate']) expect(await status(stage), stage).toBe('stale');
    await gotoStage('dpo');
    expect(await page.locator('#panel-dpo [data-action=start]').isDisabled()).toBe(true);
    expect(await page.locator('#panel-dpo .job .row .muted').textContent()).toMatch(/pairs are from an older dataset/);
    await screenshot(page, 'stale-stages');
    expect(page.errors).toEqual([]);
  });
});
