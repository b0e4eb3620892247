// Dataset summary for reports: categories, calls per sample, tool and domain usage, distinct
// questions, prompt lengths (the first prompt rendered with the chat template, in characters).
import { renderConversation, type RenderOptions } from './chat_format.ts';
import type { Sample } from './sample.ts';

export interface DatasetStats {
  samples: number;
  categories: Record<string, number>;
  /** Histogram: number of calls in a sample -> samples. */
  callsPerSample: Record<string, number>;
  meanCallsPerSample: number;
  toolsUsed: Record<string, number>;
  domains: Record<string, number>;
  /** Distinct user-question texts (all user turns joined) over samples. */
  distinctQuestions: number;
  distinctQuestionRatio: number;
  /** Distinct question shapes (numbers and quoted text masked): variety of wording, not of values. */
  distinctShapeRatio: number;
  /** Rendered prompt up to the first assistant turn, in characters. */
  promptChars: { mean: number; max: number };
  toolsOfferedMean: number;
}

const bump = (o: Record<string, number>, k: string, by = 1): void => {
  o[k] = (o[k] ?? 0) + by;
};

export function datasetStats(samples: Sample[], render: RenderOptions = {}): DatasetStats {
  const s: DatasetStats = {
    samples: samples.length, categories: {}, callsPerSample: {}, meanCallsPerSample: 0, toolsUsed: {}, domains: {},
    distinctQuestions: 0, distinctQuestionRatio: 0, distinctShapeRatio: 0, promptChars: { mean: 0, max: 0 }, toolsOfferedMean: 0,
  };
  const questions = new Set<string>();
  const shapes = new Set<string>();
  let calls = 0;
  let chars = 0;
  let offered = 0;
  for (const x of samples) {
    bump(s.categories, x.meta.category);
    for (const d of x.meta.domains) bump(s.domains, d);
    const cs = x.messages.flatMap((m) => m.tool_calls ?? []);
    calls += cs.length;
    bump(s.callsPerSample, String(cs.length));
    for (const c of cs) bump(s.toolsUsed, c.function.name);
    const q = x.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
    questions.add(q);
    shapes.add(q.replace(/'[^']*'/g, "'*'").replace(/\d+(\.\d+)?/g, '0'));
    const first = x.messages.findIndex((m) => m.role === 'assistant');
    const prompt = renderConversation(x.messages.slice(0, first < 0 ? x.messages.length : first), x.tools, { ...render, addGenerationPrompt: true });
    chars += prompt.length;
    s.promptChars.max = Math.max(s.promptChars.max, prompt.length);
    offered += x.tools.length;
  }
  const n = Math.max(1, samples.length);
  s.meanCallsPerSample = Math.round((calls / n) * 100) / 100;
  s.distinctQuestions = questions.size;
  s.distinctQuestionRatio = Math.round((questions.size / n) * 10000) / 10000;
  s.distinctShapeRatio = Math.round((shapes.size / n) * 10000) / 10000;
  s.promptChars.mean = Math.round(chars / n);
  s.toolsOfferedMean = Math.round((offered / n) * 100) / 100;
  s.toolsUsed = Object.fromEntries(Object.entries(s.toolsUsed).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return s;
}
