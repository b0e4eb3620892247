// The data worker's methods: dataset generation, import/export and scoring. Never imports tfjs.
// Calls core only; no postMessage or comlink here, so tests drive it directly in Node.
import type { DataApi, Sample } from '../src/protocol.ts';

export function createDataApi(): DataApi {
  return {
    async importDataset(text: string): Promise<Sample[]> {
      return parseJsonl(text).map((row, i) => checkSample(row, i + 1));
    },
    async exportDataset(samples: Sample[]): Promise<string> {
      return samples.map((s) => JSON.stringify(s)).join('\n') + (samples.length ? '\n' : '');
    },
  };
}

function parseJsonl(text: string): unknown[] {
  const rows: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      rows.push(JSON.parse(line));
    } catch (err) {
      throw new Error(`line ${i + 1}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  });
  return rows;
}

function checkSample(row: unknown, line: number): Sample {
  const s = row as Partial<Sample>;
  if (!s || typeof s !== 'object' || !Array.isArray(s.messages)) throw new Error(`line ${line}: no "messages" array`);
  return {
    id: typeof s.id === 'string' ? s.id : `import-${line}`,
    messages: s.messages,
    tools: Array.isArray(s.tools) ? s.tools : [],
    meta: s.meta ?? { category: 'single', domains: [], source: `import line ${line}` },
  };
}
