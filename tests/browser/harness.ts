// Browser-test harness: builds the app with Vite into a temp folder, serves it on 127.0.0.1 with a tiny
// static server, and launches headless Chromium (SwiftShader WebGPU). One instance per test file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { build } from 'vite';
import { ISOLATION_HEADERS } from '../../src/core/runtime/isolation_headers.ts';
import { THREADS_KEY } from '../../src/ui/views/model_view.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(REPO, 'tests/artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.safetensors': 'application/octet-stream', '.webmanifest': 'application/manifest+json', '.txt': 'text/plain',
};

export interface App {
  /** Base URL of the served build, ending in '/'. */
  url: string;
  /** The folder the build was written to (to serve it another way, e.g. with `vite preview`). */
  outDir: string;
  browser: Browser;
  /**
   * A new page that records console errors and uncaught exceptions in `errors`. The app in it runs wasm on
   * one thread (see pinThreads) unless `threads` says otherwise ('default': the app's own default, the cores).
   */
  newPage(options?: { threads?: number | 'default' }): Promise<Page & { errors: string[] }>;
  /** A new browser context whose pages run the app's wasm on one thread, as newPage's. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Builds the app (plus test-only fixture pages) and serves it; `close()` removes everything.
 * `isolate: false` serves it without COOP/COEP, as a plain static host would.
 */
export async function startApp(options: { isolate?: boolean } = {}): Promise<App> {
  const outDir = mkdtempSync(join(tmpdir(), 'ttpa-build-'));
  await build({
    root: REPO,
    configFile: join(REPO, 'vite.config.ts'),
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      rollupOptions: {
        input: { index: join(REPO, 'index.html'), probe: join(REPO, 'tests/browser/fixtures/engine_probe.html') },
      },
    },
  });
  const server = await serve(outDir, options.isolate ?? true);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    url,
    outDir,
    browser,
    async newPage(options = {}) {
      const page = (await browser.newPage({ viewport: { width: 1280, height: 800 } })) as Page & { errors: string[] };
      await pinThreads(page, options.threads ?? 1);
      page.errors = [];
      page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
      page.on('pageerror', (e) => page.errors.push(e.message));
      return page;
    },
    async newContext(options = {}) {
      const context = await browser.newContext(options);
      await pinThreads(context, 1);
      return context;
    },
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sets the app's saved wasm thread count (the Model panel's setting) before its scripts run, unless the
 * page saved one itself. The pages are cross-origin isolated, so the app's default would start one thread
 * per core; with the other test file running on the other core, XNNPACK's pool threads then wait
 * spinning for a core and every training step of the tiny test models slows down several times.
 */
async function pinThreads(target: Page | BrowserContext, threads: number | 'default'): Promise<void> {
  if (threads === 'default') return;
  await target.addInitScript(({ key, n }) => {
    if (localStorage.getItem(key) === null) localStorage.setItem(key, n);
  }, { key: THREADS_KEY, n: String(threads) });
}

/** A static server; `isolate` sends the COOP/COEP headers, as `npm start` and `vite preview` do. */
export function serve(root: string, isolate = true): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const body = readFileSync(file);
      const isolation = isolate ? ISOLATION_HEADERS : {};
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...isolation });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** Saves a full-page screenshot to tests/artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const CPU_LOCK = join(tmpdir(), 'ttpa-browser-cpu.lock');

/**
 * Runs `fn` while no other browser-test file is inside its own `withCpuLock` (a mkdir lock across the
 * test processes). Timing-sensitive checks (the long-task check) and SwiftShader-heavy runs take it,
 * so one file's WebGPU emulation does not starve the other's main thread on a 2-core machine.
 */
export async function withCpuLock<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(CPU_LOCK);
      break;
    } catch {
      try {
        if (Date.now() - statSync(CPU_LOCK).mtimeMs > 600_000) rmSync(CPU_LOCK, { recursive: true, force: true });
      } catch { /* the holder released it meanwhile */ }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(CPU_LOCK, { recursive: true, force: true });
  }
}

/**
 * Waits until the stage's config editor has resolved a config carrying every one of `overrides` (the owning
 * worker validates each edit). On timeout the error says what the page showed instead: the editor's message,
 * the resolved config's values for those keys, the alert and the model, so a failure in CI can be read.
 */
export async function waitResolved(page: Page, stage: string, overrides: Record<string, unknown>, timeout = 60_000): Promise<void> {
  try {
    await page.waitForFunction(([id, want]) => {
      const r = (document.getElementById(id) as HTMLTextAreaElement).dataset.resolved;
      if (!r) return false;
      const got = JSON.parse(r) as Record<string, unknown>;
      return Object.entries(JSON.parse(want) as Record<string, unknown>).every(([k, v]) => JSON.stringify(got[k]) === JSON.stringify(v));
    }, [`config-${stage}`, JSON.stringify(overrides)] as const, { timeout });
  } catch (err) {
    const seen = await page.evaluate(([id, keys]) => {
      const area = document.getElementById(id) as HTMLTextAreaElement | null;
      const r = area?.dataset.resolved;
      const got = r ? JSON.parse(r) as Record<string, unknown> : undefined;
      return {
        text: area?.value.slice(0, 200), resolved: got ? Object.fromEntries(keys.map((k) => [k, got[k]])) : r === undefined ? 'never' : 'invalid',
        error: document.getElementById(`${id}-error`)?.textContent, alert: document.querySelector('[data-testid=alert]')?.textContent,
        model: document.querySelector('[data-testid=model-name]')?.textContent,
      };
    }, [`config-${stage}`, Object.keys(overrides)] as const).catch((e: unknown) => String(e));
    throw new Error(`${stage} config never resolved to ${JSON.stringify(overrides)} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); the page showed ${JSON.stringify(seen)}`);
  }
}
