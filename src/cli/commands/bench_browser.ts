// `ttpa bench --browser`: builds the bench page (bench/browser/) with Vite into a temp folder, serves it on
// 127.0.0.1 and runs core's benchmark in headless Chromium (WebGPU enabled) once per backend.
// Build, serve and drive only; what runs in the page is bench/browser/bench_api.ts.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { benchConfig, type BenchConfig } from '../../core/bench/config.ts';
import type { BenchReport } from '../../core/bench/report.ts';
import type { ReplicaRun } from '../../core/bench/replicas_bench.ts';
import type { Page } from 'playwright-core';
import { ISOLATION_HEADERS } from '../../core/runtime/isolation_headers.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const PAGE = 'bench/browser/index.html';
const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Chromium to drive: CHROMIUM_PATH (the browser tests' variable) or the system one. */
function chromiumPath(env: Record<string, string | undefined>): string {
  return env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
}

/**
 * The sizes each backend runs: the pure-JS cpu backend is tfjs' reference, too slow for full sizes, so it
 * runs the quick ones; webgpu downgrades itself in the page when its adapter is a software emulator.
 */
export function browserConfig(backend: string, cfg: BenchConfig): BenchConfig {
  return backend === 'cpu' ? benchConfig(true) : cfg;
}

export async function runBrowserBench(cfg: BenchConfig, backends: string[], env: Record<string, unknown>, progress: (name: string) => void, threads?: number): Promise<BenchReport[]> {
  return withBenchPage(progress, async (page, errors) => {
    const reports: BenchReport[] = [];
    for (const backend of backends) {
      const report = await page.evaluate(({ backend, config, threads }) => {
        const bench = (window as unknown as { bench: { run(b: string, c: unknown, t?: number): Promise<unknown> } }).bench;
        return bench.run(backend, config, threads);
      }, { backend, config: browserConfig(backend, cfg), threads }) as BenchReport;
      report.environment = { ...report.environment, host: env, pageErrors: errors.splice(0) };
      reports.push(report);
    }
    return reports;
  });
}

/** The replicas section's run at one replica count alone, in Chromium (`ttpa bench --browser --replicas-child N`), to alternate counts. */
export async function runBrowserReplicaRun(cfg: BenchConfig, replicas: number, progress: (name: string) => void): Promise<ReplicaRun> {
  return withBenchPage(progress, async (page, errors) => {
    const run = await page.evaluate(({ config, replicas }) => {
      const bench = (window as unknown as { bench: { replicaRun(c: unknown, n: number): Promise<unknown> } }).bench;
      return bench.replicaRun(config, replicas);
    }, { config: cfg, replicas }) as ReplicaRun;
    if (errors.length) throw new Error(`bench page errors: ${errors.join('; ')}`);
    return run;
  });
}

/** Builds the bench page, serves it cross-origin isolated, opens it in headless Chromium and runs `body` there. */
async function withBenchPage<T>(progress: (name: string) => void, body: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
  const { build } = await import('vite');
  const { chromium } = await import('playwright-core');
  const outDir = mkdtempSync(join(tmpdir(), 'ttpa-bench-'));
  let server: Server | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    progress('browser: building the bench page');
    await build({
      root: REPO, configFile: join(REPO, 'vite.config.ts'), logLevel: 'warn',
      build: { outDir, emptyOutDir: true, rollupOptions: { input: { bench: join(REPO, PAGE) } } },
    });
    server = await serve(outDir);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${PAGE}`;
    browser = await chromium.launch({
      executablePath: chromiumPath(process.env),
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      else if (m.text().startsWith('bench: ')) progress(m.text().slice('bench: '.length));
    });
    await page.goto(url);
    await page.waitForFunction(() => 'bench' in window);
    return await body(page, errors);
  } finally {
    await browser?.close();
    if (server) await new Promise((r) => server!.close(r));
    rmSync(outDir, { recursive: true, force: true });
  }
}

function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      // Cross-origin isolated like the app's servers, so wasm can run threads (SharedArrayBuffer).
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...ISOLATION_HEADERS });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}
