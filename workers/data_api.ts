// The data worker's methods: dataset generation (reversed construction), import/export and scoring.
// Never imports tfjs. Calls core only; no postMessage or comlink here, so tests drive it in Node.
import { resolveDataConfig, type DataConfigOverrides } from '../src/core/data/config.ts';
import { exportRows, type ExportFormat } from '../src/core/data/export.ts';
import { categoryPlan, generateSample } from '../src/core/data/generate.ts';
import { importHermes } from '../src/core/data/hermes.ts';
import { formatLineError, toJsonl, type ParseReport } from '../src/core/data/jsonl.ts';
import { parseNative } from '../src/core/data/native.ts';
import { splitSamples } from '../src/core/data/split.ts';
import { importXlam } from '../src/core/data/xlam.ts';
import type { Call } from '../src/core/data/messages.ts';
import { pairsToTrlJsonl, validateTrlRecord } from '../src/core/preference/trl_export.ts';
import { createRng } from '../src/core/rng.ts';
import { evaluateSamples } from '../src/core/scoring/evaluate.ts';
import { compareReports, reportToMarkdown } from '../src/core/scoring/report.ts';
import { beforeAfterAtMisses } from '../src/core/scoring/first_miss.ts';
import { scoreTurn } from '../src/core/scoring/esm.ts';
import type {
  BeforeAfterAtMisses, Comparison, DataApi, DatasetFormat, DatasetSplits, EvalReport, GenerateResult, ImportResult, JobAction, LiveScore, PreferencePair,
  Prediction, ProgressFn, Sample, ToolSchema, TurnLogps,
} from '../src/protocol.ts';
import { createJob, type Job } from './job.ts';

export interface DataApiOptions {
  progressMs?: number;
}

export function createDataApi(options: DataApiOptions = {}): DataApi {
  let job: Job | undefined;

  return {
    async resolveConfig(overrides: Record<string, unknown>): Promise<Record<string, unknown>> {
      return resolveDataConfig(overrides as DataConfigOverrides) as unknown as Record<string, unknown>;
    },

    async control(action: JobAction): Promise<void> {
      if (!job) return;
      if (action === 'pause') job.pause();
      else if (action === 'resume') job.resume();
      else job.stop();
    },

    /** Same samples as core's generateDataset(config) (same seeds in the same order), with progress. */
    async generate(overrides: Record<string, unknown>, onProgress?: ProgressFn): Promise<GenerateResult> {
      if (job) throw new Error('data: a job is already running');
      const cfg = resolveDataConfig(overrides as DataConfigOverrides);
      job = createJob('data', cfg.n, onProgress, options.progressMs);
      try {
        const rng = createRng(cfg.seed);
        const plan = categoryPlan(cfg.n, cfg.mix, rng);
        const samples: Sample[] = [];
        for (const [i, cat] of plan.entries()) {
          if (i % 16 === 0 && (await job.shouldStop())) break;
          samples.push(generateSample(`gen-${cfg.seed}-${String(i).padStart(6, '0')}`, cat, rng.fork(), cfg));
          job.report(i + 1);
        }
        job.flush();
        return {
          samples, outcome: samples.length < cfg.n ? 'stopped' : 'done', config: cfg as unknown as Record<string, unknown>,
          splits: splitIds(samples, cfg.split, cfg.seed),
        };
      } finally {
        job = undefined;
      }
    },

    async evaluate(samples: Sample[], predictions: Prediction[]): Promise<EvalReport> {
      const byTurn = new Map(predictions.map((p) => [`${p.sampleId}#${p.turn}`, p.text]));
      const scored = samples.filter((s) => s.messages.some((m, i) => m.role === 'assistant' && byTurn.has(`${s.id}#${i}`)));
      return evaluateSamples(scored, async (messages) => {
        const sample = scored.find((s) => s.messages.length > messages.length && s.messages.slice(0, messages.length).every((m, i) => m === messages[i]));
        return (sample && byTurn.get(`${sample.id}#${messages.length}`)) ?? '';
      });
    },

    async compare(named: { name: string; report: EvalReport }[]): Promise<Comparison> {
      return compareReports(named);
    },

    async compareTokens(before: TurnLogps[], after: TurnLogps[]): Promise<BeforeAfterAtMisses> {
      return beforeAfterAtMisses(before, after);
    },

    async reportMarkdown(report: EvalReport): Promise<string> {
      return reportToMarkdown(report);
    },

    async scoreText(text: string, expected: Call[], tools: ToolSchema[]): Promise<LiveScore> {
      const r = scoreTurn(text, expected, tools);
      return { esm: r.esm, parts: { ...r.parts }, predicted: r.predicted.map((c) => ({ name: c.name, arguments: c.arguments })), errors: r.errors.map((e) => ({ category: e.category, message: e.message })) };
    },

    async exportPairs(pairs: PreferencePair[]): Promise<{ jsonl: string; problems: string[] }> {
      const jsonl = pairsToTrlJsonl(pairs);
      const problems = jsonl.split('\n').filter(Boolean).flatMap((line, i) => validateTrlRecord(JSON.parse(line)).map((p) => `pair ${i + 1}: ${p}`));
      return { jsonl, problems };
    },

    async importDataset(text: string, format: DatasetFormat, fileName: string, split = { val: 0.05, test: 0.1 }): Promise<ImportResult> {
      const report: ParseReport<Sample> = IMPORTERS[format](text, fileName);
      if (!report.items.length) {
        throw new Error(`no sample could be read from ${fileName}${report.errors.length ? `: ${report.errors.slice(0, 3).map(formatLineError).join('; ')}` : ''}`);
      }
      return { samples: report.items, splits: splitIds(report.items, split, 0), errors: report.errors.map(formatLineError) };
    },

    async exportDataset(samples: Sample[], format: ExportFormat = 'native'): Promise<string> {
      const r = exportRows(samples, format);
      if (r.errors.length) throw new Error(`${r.errors.length} samples could not be exported, e.g. ${r.errors[0].id}: ${r.errors[0].reason}`);
      return toJsonl(r.rows);
    },
  };
}

const IMPORTERS: Record<DatasetFormat, (text: string, file: string) => ParseReport<Sample>> = {
  native: parseNative,
  hermes: importHermes,
  xlam: importXlam,
};

/** Core's leakage-free split (samples sharing a call stay together), as sample ids. */
export function splitIds(samples: Sample[], share: { val: number; test: number }, seed: number): DatasetSplits {
  const r = splitSamples(samples, share, seed);
  const ids = (xs: Sample[]): string[] => xs.map((x) => x.id);
  return { train: ids(r.train), val: ids(r.val), test: ids(r.test) };
}
