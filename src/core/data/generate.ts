// Reversed dataset construction (TTPA section 1): per sample, draw a scenario, run real calls one
// step at a time feeding results forward, write the answer from the results, and only then write
// the user's question from the calls and answer. Same config, same bytes.
import { createRng, type Rng } from '../rng.ts';
import { createToolContext, domainOf, executeCall, TOOLS, toolSchemas, type ToolContext } from '../tools/catalog.ts';
import { CHAINS, type Chain } from './chains.ts';
import type { DataConfig } from './config.ts';
import { between, chance, fill, lit, type Draft, type DrawEnv, type Intent, type Result, type Slot } from './intent.ts';
import { NUMBER_INTENTS } from './intents_numbers.ts';
import { WORLD_INTENTS } from './intents_world.ts';
import { IRRELEVANT_REQUESTS, refusal } from './irrelevance.ts';
import type { Message } from './messages.ts';
import type { ArgMention, Sample, SampleCategory } from './sample.ts';
import { todayLine } from './surface.ts';
import { grammarWriter, type QuestionWriter, type WriteRequest } from './writer.ts';
import { addDays } from '../tools/dates.ts';

export const INTENTS: ReadonlyMap<string, Intent> = new Map([...NUMBER_INTENTS, ...WORLD_INTENTS].map((i) => [i.tool, i]));
const STANDALONE = [...INTENTS.values()].filter((i) => i.standalone !== false);
/** Parallel calls avoid the stateful planner tools, whose results depend on call order. */
const PARALLEL_OK = STANDALONE.filter((i) => domainOf(i.tool) !== 'planner');
const FOLLOW_OK = STANDALONE.filter((i) => i.followUp);
const TURN_CHAINS = CHAINS.filter((c) => c.turns);

/** A generation attempt that must be redrawn (a call failed, a writer dropped a value). */
class Redraw extends Error {}

interface PlannedCall { draft: Draft; result: Result; userTurn: number; chainBase: number }

/** Accumulates one conversation: messages, executed calls, tool state. */
class Conversation {
  readonly messages: Message[] = [];
  readonly calls: PlannedCall[] = [];
  readonly ctx: ToolContext = createToolContext();
  lastUser = -1;

  user(text: string): void {
    this.lastUser = this.messages.length;
    this.messages.push({ role: 'user', content: text });
  }

  /** One assistant turn calling all drafts (several = parallel calls), executed in order. */
  call(drafts: Draft[], chainBase = this.calls.length): Result[] {
    const results = drafts.map((d) => {
      const r = executeCall({ name: d.tool, arguments: d.args }, this.ctx);
      if (!r.ok) throw new Redraw(`${d.tool}: ${r.error}`);
      return r.result;
    });
    this.messages.push({ role: 'assistant', content: '', tool_calls: drafts.map((d) => ({ type: 'function', function: { name: d.tool, arguments: d.args } })) });
    drafts.forEach((d, i) => {
      this.messages.push({ role: 'tool', name: d.tool, content: JSON.stringify(results[i]) });
      this.calls.push({ draft: d, result: results[i], userTurn: this.lastUser, chainBase });
    });
    return results;
  }

  answer(text: string): void {
    this.messages.push({ role: 'assistant', content: text });
  }
}

const surfaces = (d: Draft): string[] => Object.values(d.slots).filter((s) => s.kind !== 'result').map((s) => s.surface ?? '');
const lookup = (d: Draft) => (name: string): Slot | string | undefined => d.slots[name] ?? d.extra?.[name];
const chainLookup = (ds: Draft[]) => (name: string): Slot | string | undefined => {
  const dot = name.indexOf('.');
  const d = ds[Number(name.slice(0, dot))];
  return d ? lookup(d)(name.slice(dot + 1)) : undefined;
};

/** The grammar's clause for one call: a template plus a phrase per optional argument present. */
export function clauseFor(intent: Intent, d: Draft, rng: Rng): string {
  let text = fill(rng.pick(intent.ask(d)), lookup(d));
  for (const [path, phrases] of Object.entries(intent.optional ?? {})) {
    if (d.slots[path]) text += (phrases[0].startsWith(',') ? '' : ' ') + fill(rng.pick(phrases), lookup(d)).replace(/^, /, ', ');
  }
  return text;
}

function write(writer: QuestionWriter, req: WriteRequest, rng: Rng): string {
  const q = writer.writeQuestion(req, rng);
  for (const s of req.required) if (!q.includes(s)) throw new Redraw(`question lost the value '${s}': ${q}`);
  return q;
}

const intentOf = (tool: string): Intent => INTENTS.get(tool) as Intent;
const asCalls = (ds: Draft[]) => ds.map((d) => ({ name: d.tool, arguments: d.args }));

function buildSingle(conv: Conversation, rng: Rng, env: DrawEnv, writer: QuestionWriter): void {
  const intent = rng.pick(STANDALONE);
  const d = intent.draw(rng, env);
  const req = { category: 'single' as const, calls: [], results: [], answer: '', clauses: [clauseFor(intent, d, rng)], required: surfaces(d), followUp: false };
  runTurn(conv, [d], req, rng, writer, (rs) => intent.answer(rs[0], d));
}

/** Executes first, writes the answer from results, then the question: the reversed order. */
function runTurn(conv: Conversation, drafts: Draft[], req: WriteRequest, rng: Rng, writer: QuestionWriter, answer: (rs: Result[]) => string): void {
  const probe = new Conversation();
  Object.assign(probe.ctx, structuredClone(conv.ctx));
  const results = probe.call(drafts);
  const text = answer(results);
  conv.user(write(writer, { ...req, calls: asCalls(drafts), results, answer: text }, rng));
  conv.call(drafts);
  conv.answer(text);
}

function buildParallel(conv: Conversation, rng: Rng, env: DrawEnv, writer: QuestionWriter): void {
  const k = chance(rng, 0.75) ? 2 : 3;
  const first = rng.pick(PARALLEL_OK);
  const intents = Array.from({ length: k }, (_, i) => (i > 0 && chance(rng, 0.35) ? first : i === 0 ? first : rng.pick(PARALLEL_OK)));
  const drafts = intents.map((it) => it.draw(rng, env));
  const keys = new Set(drafts.map((d) => JSON.stringify([d.tool, d.args])));
  if (keys.size < drafts.length) throw new Redraw('duplicate parallel call');
  const req = { category: 'parallel' as const, calls: [], results: [], answer: '', clauses: drafts.map((d, i) => clauseFor(intents[i], d, rng)), required: drafts.flatMap(surfaces), followUp: false };
  runTurn(conv, drafts, req, rng, writer, (rs) => rs.map((r, i) => intents[i].answer(r, drafts[i])).join(' '));
}

/** Runs chain steps [from, to) one call at a time, each drawn from the results so far. */
function runChainSteps(conv: Conversation, chain: Chain, rng: Rng, env: DrawEnv, drafts: Draft[], results: Result[], from: number, to: number): void {
  const probe = new Conversation();
  Object.assign(probe.ctx, structuredClone(conv.ctx));
  for (let i = from; i < to; i++) {
    const d = chain.steps[i](rng, env, results);
    if (!d) throw new Redraw(`chain ${chain.name} step ${i} has nothing to work with`);
    drafts.push(d);
    results.push(probe.call([d])[0]);
  }
}

function buildChain(conv: Conversation, rng: Rng, env: DrawEnv, writer: QuestionWriter): void {
  const chain = rng.pick(CHAINS);
  const drafts: Draft[] = [];
  const results: Result[] = [];
  runChainSteps(conv, chain, rng, env, drafts, results, 0, chain.steps.length);
  const answer = chain.answer(results, drafts);
  const clause = fill(rng.pick(chain.ask), chainLookup(drafts));
  conv.user(write(writer, { category: 'multi_step', calls: asCalls(drafts), results, answer, clauses: [clause], required: drafts.flatMap(surfaces), followUp: false }, rng));
  const base = conv.calls.length;
  for (const d of drafts) conv.call([d], base);
  conv.answer(answer);
}

function buildMultiTurn(conv: Conversation, rng: Rng, env: DrawEnv, writer: QuestionWriter): void {
  if (chance(rng, 0.5)) {
    const intent = rng.pick(FOLLOW_OK);
    const d1 = intent.draw(rng, env);
    runTurn(conv, [d1], { category: 'multi_turn', calls: [], results: [], answer: '', clauses: [clauseFor(intent, d1, rng)], required: surfaces(d1), followUp: false }, rng, writer, (rs) => intent.answer(rs[0], d1));
    const scaled = intent.scalable && chance(rng, 0.35) ? scaledFollowUp(rng, intent, d1) : undefined;
    const arg = scaled?.arg ?? rng.pick(Object.keys(intent.followUp ?? {}));
    let d2: Draft | undefined = scaled?.draft;
    for (let t = 0; t < 10 && !d2; t++) {
      const fresh = intent.draw(rng, env).slots[arg];
      const changed = { ...d1.slots, [arg]: fresh };
      const values = Object.values(changed).map((s) => JSON.stringify(s.value));
      if (JSON.stringify(fresh.value) !== JSON.stringify(d1.slots[arg].value) && new Set(values).size === values.length) {
        const args = structuredClone(d1.args);
        args[arg] = fresh.value;
        d2 = { ...d1, args, slots: changed };
      }
    }
    if (!d2) throw new Redraw('no distinct follow-up value');
    const follow = d2;
    const clause = scaled ? scaled.clause : fill(rng.pick(intent.followUp?.[arg] ?? []), lookup(follow));
    runTurn(conv, [follow], { category: 'multi_turn', calls: [], results: [], answer: '', clauses: [clause], required: [follow.slots[arg].surface ?? ''], followUp: true }, rng, writer, (rs) => intent.answer(rs[0], scaled ? { ...follow, slots: { ...follow.slots, [arg]: lit(follow.args[arg] as number) } } : follow));
    return;
  }
  const chain = rng.pick(TURN_CHAINS);
  const turns = chain.turns as NonNullable<Chain['turns']>;
  const drafts: Draft[] = [];
  const results: Result[] = [];
  const base = conv.calls.length;
  runChainSteps(conv, chain, rng, env, drafts, results, 0, turns.split);
  const first = drafts.slice(0, turns.split);
  const a1 = first.map((d, i) => intentOf(d.tool).answer(results[i], d)).join(' ');
  conv.user(write(writer, { category: 'multi_turn', calls: asCalls(first), results: results.slice(0, turns.split), answer: a1, clauses: [fill(rng.pick(turns.first), chainLookup(drafts))], required: first.flatMap(surfaces), followUp: false }, rng));
  for (const d of first) conv.call([d], base);
  conv.answer(a1);
  runChainSteps(conv, chain, rng, env, drafts, results, turns.split, chain.steps.length);
  const rest = drafts.slice(turns.split);
  const a2 = chain.answer(results, drafts);
  conv.user(write(writer, { category: 'multi_turn', calls: asCalls(rest), results: results.slice(turns.split), answer: a2, clauses: [fill(rng.pick(turns.second), chainLookup(drafts))], required: rest.flatMap(surfaces), followUp: true }, rng));
  for (const d of rest) conv.call([d], base);
  conv.answer(a2);
}

const SCALES: [number, string[]][] = [[2, ['twice', 'double']], [3, ['three times', 'triple']], [0.5, ['half']]];

/** "And twice that amount?": the follow-up scales one numeric argument of the previous call. */
function scaledFollowUp(rng: Rng, intent: Intent, d1: Draft): { arg: string; draft: Draft; clause: string } {
  const arg = rng.pick(intent.scalable ?? []);
  const old = d1.args[arg] as number;
  const options = SCALES.filter(([f]) => f !== 0.5 || Number.isInteger(old / 2));
  const [factor, words] = rng.pick(options);
  const word = rng.pick(words);
  const value = Math.round(old * factor * 100) / 100;
  const slot: Slot = { value, kind: 'scaled', surface: word, factor, from: { step: -1, path: arg } };
  const clause = rng.pick([`what about ${word} that amount`, `and for ${word} that amount`, `now do it for ${word} the amount`, `what if it were ${word} that`]);
  return { arg, draft: { ...d1, args: { ...d1.args, [arg]: value }, slots: { ...d1.slots, [arg]: slot } }, clause };
}

/** An irrelevance sample: no offered tool fits; returns the tools that must not be offered. */
function buildIrrelevance(conv: Conversation, rng: Rng, env: DrawEnv, writer: QuestionWriter, offered: (exclude: Set<string>) => string[]): string[] {
  let clause: string;
  let exclude = new Set<string>();
  if (chance(rng, 0.5)) {
    const intent = rng.pick(STANDALONE);
    const d = intent.draw(rng, env);
    clause = clauseFor(intent, d, rng);
    const banned = new Set([domainOf(intent.tool), 'math']);
    exclude = new Set(TOOLS.filter((t) => banned.has(t.domain)).map((t) => t.schema.function.name));
  } else {
    clause = rng.pick(IRRELEVANT_REQUESTS)(rng);
  }
  const tools = offered(exclude);
  const answer = refusal(rng, tools.map((t) => intentOf(t).capability));
  conv.user(write(writer, { category: 'irrelevance', calls: [], results: [], answer, clauses: [clause], required: [], followUp: false }, rng));
  conv.answer(answer);
  return tools;
}

function pickTools(rng: Rng, used: string[], cfg: DataConfig, exclude: Set<string>, minTotal = 0): string[] {
  const k = Math.max(between(rng, cfg.distractors.min, cfg.distractors.max), minTotal - used.length);
  const pool = TOOLS.map((t) => t.schema.function.name).filter((n) => !used.includes(n) && !exclude.has(n));
  const usedDomains = new Set(used.map(domainOf));
  const near = rng.shuffle(pool.filter((n) => usedDomains.has(domainOf(n))));
  const far = rng.shuffle(pool.filter((n) => !usedDomains.has(domainOf(n))));
  const picked: string[] = [];
  while (picked.length < k && (near.length || far.length)) {
    const src = near.length && (chance(rng, 0.4) || !far.length) ? near : far;
    picked.push(src.shift() as string);
  }
  return rng.shuffle([...used, ...picked]);
}

/** Builds one sample of the given category; redraws (same stream, deterministic) on failure. */
export function generateSample(id: string, category: SampleCategory, seed: number, cfg: DataConfig, writer: QuestionWriter = grammarWriter): Sample {
  const rng = createRng(seed);
  let lastError = '';
  for (let attempt = 0; attempt < cfg.maxRetries; attempt++) {
    const env: DrawEnv = { today: addDays('2026-01-01', rng.int(365)), relativeDateRate: cfg.relativeDateRate, usedRelative: false };
    const conv = new Conversation();
    try {
      let toolNames: string[];
      if (category === 'irrelevance') {
        toolNames = buildIrrelevance(conv, rng, env, writer, (ex) => pickTools(rng, [], cfg, ex, 2));
      } else {
        if (category === 'single') buildSingle(conv, rng, env, writer);
        else if (category === 'parallel') buildParallel(conv, rng, env, writer);
        else if (category === 'multi_step') buildChain(conv, rng, env, writer);
        else buildMultiTurn(conv, rng, env, writer);
        toolNames = pickTools(rng, [...new Set(conv.calls.map((c) => c.draft.tool))], cfg, new Set());
      }
      const messages: Message[] = env.usedRelative ? [{ role: 'system', content: todayLine(env.today) }, ...conv.messages] : conv.messages;
      const shift = env.usedRelative ? 1 : 0;
      return {
        id,
        messages,
        tools: toolSchemas(toolNames),
        meta: {
          category,
          domains: [...new Set(conv.calls.map((c) => domainOf(c.draft.tool)))].sort(),
          source: `generated seed=${seed}`,
          ...(env.usedRelative ? { today: env.today } : {}),
          mentions: mentionsOf(conv, messages, shift),
        },
      };
    } catch (err) {
      if (!(err instanceof Redraw)) throw err;
      lastError = err.message;
    }
  }
  throw new Error(`sample ${id}: no valid ${category} sample after ${cfg.maxRetries} attempts (${lastError})`);
}

function mentionsOf(conv: Conversation, messages: Message[], shift: number): ArgMention[] {
  const out: ArgMention[] = [];
  conv.calls.forEach((c, call) => {
    for (const [arg, slot] of Object.entries(c.draft.slots)) {
      if (slot.kind === 'result') {
        out.push({ call, arg, value: slot.value, kind: 'result', from: { call: c.chainBase + (slot.from?.step ?? 0), path: slot.from?.path ?? '' } });
        continue;
      }
      const scaled = slot.kind === 'scaled' ? { from: { call: call + (slot.from?.step ?? 0), path: slot.from?.path ?? '' }, factor: slot.factor } : {};
      let turn = -1;
      for (let t = c.userTurn + shift; t >= 0 && turn < 0; t--) {
        if (messages[t].role === 'user' && messages[t].content.includes(slot.surface ?? '')) turn = t;
      }
      if (turn < 0) throw new Redraw(`value '${slot.surface}' of ${c.draft.tool}.${arg} is in no user message`);
      out.push({ call, arg, value: slot.value, kind: slot.kind, surface: slot.surface, ...(slot.group ? { group: slot.group } : {}), turn, ...scaled });
    }
  });
  return out;
}

/** Exact category counts for n samples (largest remainders), in a seeded order. */
export function categoryPlan(n: number, mix: DataConfig['mix'], rng: Rng): SampleCategory[] {
  const cats = Object.keys(mix) as SampleCategory[];
  const total = cats.reduce((s, c) => s + mix[c], 0);
  const exact = cats.map((c) => (n * mix[c]) / total);
  const counts = exact.map(Math.floor);
  const order = cats.map((_, i) => i).sort((a, b) => (exact[b] - counts[b]) - (exact[a] - counts[a]) || a - b);
  for (let i = 0; counts.reduce((s, x) => s + x, 0) < n; i++) counts[order[i % cats.length]]++;
  return rng.shuffle(cats.flatMap((c, i) => Array<SampleCategory>(counts[i]).fill(c)));
}

/** Generates cfg.n samples; sample i depends only on (cfg.seed, cfg.n, cfg.mix, i). */
export function generateDataset(cfg: DataConfig, writer: QuestionWriter = grammarWriter): Sample[] {
  const rng = createRng(cfg.seed);
  const plan = categoryPlan(cfg.n, cfg.mix, rng);
  return plan.map((cat, i) => generateSample(`gen-${cfg.seed}-${String(i).padStart(6, '0')}`, cat, rng.fork(), cfg, writer));
}
