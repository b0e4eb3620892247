import { describe, expect, it } from 'vitest';
import { resolveDataConfig } from '../../../src/core/data/config.ts';
import { generateDataset } from '../../../src/core/data/generate.ts';
import { renderConversation } from '../../../src/core/data/chat_format.ts';
import { resolveMention } from '../../../src/core/data/surface.ts';
import type { Sample } from '../../../src/core/data/sample.ts';
import { createToolContext, executeCall, getTool } from '../../../src/core/tools/catalog.ts';
import { validateArgs } from '../../../src/core/tools/validate.ts';

const cfg = resolveDataConfig({ n: 500, seed: 7 });
const samples = generateDataset(cfg);

const getPath = (v: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o === undefined || o === null ? undefined : (o as Record<string, unknown>)[k]), v);

/** Leaf paths of an argument object: nested objects and arrays of objects are walked into. */
function leaves(v: unknown, prefix = ''): [string, unknown][] {
  const walk = (x: unknown, p: string): [string, unknown][] => {
    if (Array.isArray(x) && x.some((e) => typeof e === 'object' && e !== null)) return x.flatMap((e, i) => walk(e, `${p}.${i}`));
    if (x && typeof x === 'object' && !Array.isArray(x)) return Object.entries(x).flatMap(([k, y]) => walk(y, p ? `${p}.${k}` : k));
    return [[p, x]];
  };
  return walk(v, prefix);
}

const callsOf = (s: Sample) => s.messages.flatMap((m) => m.tool_calls ?? []);

describe('generateDataset', () => {
  it('follows the category mix exactly and fills meta', () => {
    const counts: Record<string, number> = {};
    for (const s of samples) counts[s.meta.category] = (counts[s.meta.category] ?? 0) + 1;
    expect(counts).toEqual({ single: 200, multi_step: 125, parallel: 75, multi_turn: 50, irrelevance: 50 });
    for (const s of samples) {
      const domains = [...new Set(callsOf(s).map((c) => getTool(c.function.name).domain))].sort();
      expect(s.meta.domains).toEqual(domains);
    }
  });

  it('every call validates against its schema and replays to the recorded result', () => {
    for (const s of samples) {
      const ctx = createToolContext();
      const offered = new Set(s.tools.map((t) => t.function.name));
      s.messages.forEach((m, i) => {
        (m.tool_calls ?? []).forEach((c, j) => {
          expect(offered.has(c.function.name)).toBe(true);
          expect(validateArgs(getTool(c.function.name).schema.function.parameters, c.function.arguments)).toEqual([]);
          const r = executeCall({ name: c.function.name, arguments: c.function.arguments }, ctx);
          expect(r.ok).toBe(true);
          const toolMsg = s.messages[i + 1 + j];
          expect(toolMsg.role).toBe('tool');
          expect(toolMsg.name).toBe(c.function.name);
          expect(toolMsg.content).toBe(JSON.stringify(r.ok ? r.result : null));
        });
      });
      const last = s.messages[s.messages.length - 1];
      expect(last.role).toBe('assistant');
      expect(last.tool_calls).toBeUndefined();
      expect(last.content.length).toBeGreaterThan(0);
    }
  });

  it('every argument value is stated in a user message (resolving to it) or copied from an earlier result', () => {
    let checked = 0;
    let scaled = 0;
    for (const s of samples) {
      const calls = callsOf(s);
      const results = s.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content));
      const mentions = s.meta.mentions ?? [];
      calls.forEach((c, ci) => {
        const req = new Set(getTool(c.function.name).schema.function.parameters.required ?? []);
        const paths = leaves(c.function.arguments);
        for (const r of req) expect(paths.some(([p]) => p === r || p.startsWith(`${r}.`)), `${s.id} ${c.function.name} lacks ${r}`).toBe(true);
        for (const [path, value] of paths) {
          const m = mentions.find((x) => x.call === ci && x.arg === path);
          expect(m, `${s.id}: no mention for call ${ci} ${path}`).toBeDefined();
          if (!m) continue;
          expect(m.value).toEqual(value);
          if (m.kind === 'result') {
            expect(m.from?.call).toBeLessThan(ci);
            expect(getPath(results[m.from?.call ?? -1], m.from?.path ?? '')).toEqual(value);
          } else if (m.kind === 'scaled') {
            expect(m.from?.call).toBeLessThan(ci);
            const earlier = getPath(calls[m.from?.call ?? -1].function.arguments, m.from?.path ?? '') as number;
            expect(value).toBeCloseTo((m.factor ?? NaN) * earlier, 6);
            expect(s.messages[m.turn ?? -1].content).toContain(m.surface);
            scaled++;
          } else {
            const msg = s.messages[m.turn ?? -1];
            expect(msg.role).toBe('user');
            expect(msg.content, `${s.id}`).toContain(m.surface);
            expect(resolveMention(m, s.meta.today), `${s.id} ${path} '${m.surface}'`).toEqual(value);
          }
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(1000);
    expect(scaled).toBeGreaterThan(0);
  });

  it('states "today" in a system message exactly when a relative date is used', () => {
    const relative = samples.filter((s) => s.meta.today);
    expect(relative.length).toBeGreaterThan(10);
    for (const s of samples) {
      const sys = s.messages[0].role === 'system' ? s.messages[0].content : undefined;
      if (s.meta.today) expect(sys).toMatch(new RegExp(`^Today is ${s.meta.today} \\((Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*day\\)\\.$`));
      else expect(sys).toBeUndefined();
      const dates = (s.meta.mentions ?? []).filter((m) => m.kind === 'date' && /^(today|tomorrow|yesterday|next|in |\d+ days)/.test(m.surface ?? ''));
      if (dates.length) expect(s.meta.today).toBeDefined();
    }
  });

  it('offers the used tools plus 1 to 3 distractors, with shapes per category', () => {
    for (const s of samples) {
      const used = new Set(callsOf(s).map((c) => c.function.name));
      const names = s.tools.map((t) => t.function.name);
      expect(new Set(names).size).toBe(names.length);
      const extra = names.length - used.size;
      expect(extra).toBeGreaterThanOrEqual(s.meta.category === 'irrelevance' ? 2 : 1);
      expect(extra).toBeLessThanOrEqual(3);
      const n = callsOf(s).length;
      const users = s.messages.filter((m) => m.role === 'user').length;
      if (s.meta.category === 'irrelevance') expect(n).toBe(0);
      if (s.meta.category === 'single') expect(n).toBe(1);
      if (s.meta.category === 'multi_step') expect(n).toBeGreaterThanOrEqual(2);
      if (s.meta.category === 'parallel') expect(s.messages.some((m) => (m.tool_calls?.length ?? 0) > 1)).toBe(true);
      if (s.meta.category === 'multi_turn') expect(users).toBe(2);
      expect(n).toBeLessThanOrEqual(4);
    }
  });

  it('renders with the default chat template and keeps prompts short', () => {
    let total = 0;
    for (const s of samples) {
      const text = renderConversation(s.messages, s.tools);
      expect(text).toContain('<|im_start|>user');
      const first = s.messages.findIndex((m) => m.role === 'assistant');
      total += renderConversation(s.messages.slice(0, first), s.tools, { addGenerationPrompt: true }).length;
    }
    expect(total / samples.length).toBeLessThan(700);
  });

  it('has varied questions', () => {
    const qs = samples.map((s) => s.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n'));
    expect(new Set(qs).size / qs.length).toBeGreaterThan(0.95);
  });

  it('is deterministic: same seed, same bytes; another seed, other data', () => {
    const a = JSON.stringify(generateDataset(resolveDataConfig({ n: 120, seed: 3 })));
    const b = JSON.stringify(generateDataset(resolveDataConfig({ n: 120, seed: 3 })));
    const c = JSON.stringify(generateDataset(resolveDataConfig({ n: 120, seed: 4 })));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
