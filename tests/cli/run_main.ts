// Runs the CLI in-process with console output captured, for command tests.
import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

export interface MainResult {
  code: number;
  /** Each console.log call, as a string. */
  lines: string[];
  /** The console.log lines joined by newlines. */
  out: string;
  /** The console.error lines joined by newlines. */
  err: string;
}

export async function runMain(argv: string[]): Promise<MainResult> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = await main(argv);
    const lines = log.mock.calls.map((c) => String(c[0]));
    return { code, lines, out: lines.join('\n'), err: error.mock.calls.map((c) => c[0]).join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
