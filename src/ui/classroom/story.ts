// One pair told as a story: the question and tools, the model's call as tokens shaded by probability (values
// printed), the divergence point with its top-k and where the chosen token ranks, chosen vs rejected with each
// side's ESM parts, and one DPO update on the pair with p(chosen) and p(rejected) before and after.
import type { LiveScore, PairProbeResult, PreferencePair, Sample, SamplePairs } from '../../protocol.ts';
import type { AppContext } from '../context.ts';
import { h, replace } from '../dom.ts';
import { term } from './terms.ts';

const visible = (text: string): string => text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '·') || '∅';
const shade = (p: number): string => `rgba(26, 95, 180, ${(0.06 + 0.4 * p).toFixed(2)})`;
const PARTS = ['name', 'required', 'key', 'type', 'value'] as const;

export function createStory(ctx: AppContext): { el: HTMLElement; show(details: SamplePairs[], samples: Record<string, Sample>): void } {
  const pick = h('select', { id: 'story-pick', 'aria-label': 'Pair to show' });
  const body = h('div', { class: 'story-body', 'data-testid': 'story' });
  let items: { d: SamplePairs; p: PreferencePair }[] = [];
  let samples: Record<string, Sample> = {};
  pick.addEventListener('change', () => void render(items[Number(pick.value)]));

  const render = async (item: { d: SamplePairs; p: PreferencePair } | undefined): Promise<void> => {
    if (!item) return replace(body, h('p', { class: 'muted' }, 'No token-level pair to show yet.'));
    const { d, p } = item;
    const sample = samples[d.sampleId];
    const tokens = d.trajectory!.tokens;
    const at = p.divergenceIndex ?? -1;
    const token = tokens[at];
    const question = sample ? [...sample.messages.slice(0, d.turnIndex)].reverse().find((m) => m.role === 'user')?.content ?? '' : '';
    const strip = h('div', { class: 'token-strip big', role: 'list', 'aria-label': 'The model\'s call, token by token, with each token\'s probability' },
      ...tokens.map((t, j) => h('span', {
        role: 'listitem', class: `token${j === at ? ' divergence current' : ''}`, style: `background:${shade(t.prob)}`,
        'aria-label': `${JSON.stringify(t.text)} probability ${t.prob.toFixed(2)}${j === at ? ', the divergence point' : ''}`,
      }, h('span', { class: 'tok-text' }, visible(t.text)), h('span', { class: 'tok-p' }, t.prob.toFixed(2)))));
    const legend = h('div', { class: 'legend', 'aria-hidden': 'true' }, 'probability ', h('span', { class: 'legend-bar' }), ' 0 → 1; number under each token = its probability');
    const chosenId = p.chosen.ids[0];
    const rejectedId = p.rejected.ids[0];
    const alts = token ? [...token.alternatives].sort((a, b) => b.prob - a.prob) : [];
    const rank = alts.findIndex((a) => a.id === chosenId);
    const topk = h('table', { class: 'topk' },
      h('thead', {}, h('tr', {}, h('th', {}, 'rank'), h('th', {}, 'token'), h('th', { class: 'num' }, 'probability'), h('th', {}, ''))),
      h('tbody', {}, ...alts.map((a, i) => h('tr', { 'data-role': a.id === chosenId ? 'chosen' : a.id === rejectedId ? 'rejected' : '' },
        h('td', {}, String(i + 1)), h('td', { class: 'mono' }, visible(a.text)), h('td', { class: 'num' }, a.prob.toFixed(3)),
        h('td', {}, [a.id === token?.id ? 'the model\'s pick' : '', a.id === chosenId ? 'chosen (better call)' : '', a.id === rejectedId ? 'rejected' : ''].filter(Boolean).join(', '))))));
    const rankText = rank >= 0 ? `The chosen side's token ranks ${rank + 1} of ${alts.length} here, at probability ${alts[rank].prob.toFixed(3)}.` : 'The chosen side\'s token is not among the top alternatives the model considered here.';
    const sides = h('div', { class: 'cols sides' }, sideBox('chosen', p, p.chosen), sideBox('rejected', p, p.rejected));
    replace(body,
      h('div', { class: 'question' }, h('div', { class: 'muted' }, 'The user asks'), h('p', { class: 'big-text' }, question || '(see the conversation)'),
        h('div', { class: 'muted' }, `Tools offered: ${p.tools.map((t) => t.function.name).join(', ')}`)),
      h('h4', {}, 'The model\'s call, token by token'), strip, legend,
      h('h4', {}, `Where it hesitated: token ${at} (${p.spanType ?? 'call'})`),
      h('p', {}, rankText, ' Forcing each alternative and finishing the call gives continuations that ', term('ESM'), ' scores.'),
      topk,
      h('h4', {}, 'Chosen vs rejected'), sides,
      createProbe(ctx, p));
    await Promise.all([fillScore(ctx, sample, d.turnIndex, p, 'chosen', sides), fillScore(ctx, sample, d.turnIndex, p, 'rejected', sides)]);
  };

  return {
    el: h('section', { class: 'story', 'aria-labelledby': 'story-title' },
      h('h3', { id: 'story-title' }, 'One pair, step by step'),
      h('div', { class: 'row' }, h('label', { for: 'story-pick' }, 'Pair: '), pick), body),
    show(details, s) {
      samples = s;
      items = details.flatMap((d) => d.pairs.filter((p) => p.divergenceIndex !== null && d.trajectory?.tokens[p.divergenceIndex]).map((p) => ({ d, p })));
      // Best stories first: the chosen call is right (ESM 1), the rejected one is the model's own branch, a wide margin.
      const rank = (x: PreferencePair): number => 2 * Number(x.chosen.esm === 1) + Number(x.kind === 'branch') + x.margin;
      items.sort((a, b) => rank(b.p) - rank(a.p));
      replace(pick, ...items.map((it, i) => h('option', { value: i }, `${it.d.sampleId} turn ${it.d.turnIndex}: ${it.p.kind} at token ${it.p.divergenceIndex} (${it.p.spanType ?? 'call'})`)));
      void render(items[0]);
    },
  };
}

function sideBox(role: 'chosen' | 'rejected', p: PreferencePair, side: PreferencePair['chosen']): HTMLElement {
  return h('div', { class: 'branch side', 'data-role': role },
    h('strong', {}, role === 'chosen' ? 'Chosen (better)' : 'Rejected (worse)'),
    h('pre', { class: 'mono call' }, h('span', { class: 'muted' }, p.prefix), h('mark', {}, side.text)),
    h('p', {}, `ESM ${side.esm.toFixed(3)}; errors: ${side.categories.join(', ') || 'none'}`),
    h('div', { 'data-score': role }, 'ESM parts: scoring…'));
}

/** The ESM parts of one side, scored in the data worker against the turn's expected calls. */
async function fillScore(ctx: AppContext, sample: Sample | undefined, turn: number, p: PreferencePair, role: 'chosen' | 'rejected', root: HTMLElement): Promise<void> {
  const box = root.querySelector<HTMLElement>(`[data-score=${role}]`);
  if (!box) return;
  if (!sample) return replace(box, h('span', { class: 'muted' }, 'the sample is not available to score the parts'));
  const expected = (sample.messages[turn]?.tool_calls ?? []).map((c) => ({ name: c.function.name, arguments: c.function.arguments }));
  let score: LiveScore;
  try {
    score = await ctx.data.api.scoreText(p.prefix + p[role].text, expected, p.tools);
  } catch (err) {
    return replace(box, `could not score: ${err instanceof Error ? err.message : String(err)}`);
  }
  replace(box, h('table', { class: 'parts' },
    h('thead', {}, h('tr', {}, ...PARTS.map((k) => h('th', { class: 'num' }, k)))),
    h('tbody', {}, h('tr', {}, ...PARTS.map((k) => h('td', { class: 'num' }, score.parts[k].toFixed(2)))))));
}

/** The button that runs one DPO step on this pair (on a copy of the model) and the before/after table. */
function createProbe(ctx: AppContext, pair: PreferencePair): HTMLElement {
  const lr = h('select', { id: 'probe-lr', 'aria-label': 'Learning rate of the step' },
    h('option', { value: '1e-4' }, '1e-4 (the training setting)'), h('option', { value: '1e-3' }, '1e-3 (10x, to see one step)'), h('option', { value: '1e-2' }, '1e-2 (100x)'));
  const out = h('div', { 'data-testid': 'probe-result', 'aria-live': 'polite' });
  const run = h('button', { class: 'primary', 'data-action': 'probe' }, 'Run one DPO update on this pair');
  run.addEventListener('click', async () => {
    run.disabled = true;
    out.textContent = 'one update on a copy of the model…';
    try {
      showProbe(out, await ctx.engine.api.probePair({ pair, config: { lr: Number(lr.value) } }));
    } catch (err) {
      out.textContent = `Could not run the update: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      run.disabled = false;
    }
  });
  return h('section', { class: 'probe' }, h('h4', {}, 'One ', term('DPO'), ' update on this pair'),
    h('p', { class: 'muted' }, 'On a copy of the loaded model (the shipped model unless you trained another): the lab\'s model is not changed.'),
    h('div', { class: 'row' }, h('label', { for: 'probe-lr' }, 'Step size: '), lr, run), out);
}

function showProbe(out: HTMLElement, r: PairProbeResult): void {
  const row = (label: string, a: number, b: number, digits = 3): HTMLElement => h('tr', {}, h('td', {}, label),
    h('td', { class: 'num' }, a.toFixed(digits)), h('td', { class: 'num' }, b.toFixed(digits)), h('td', { class: 'num' }, `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(digits)}`));
  const margin = (s: PairProbeResult['before']): number => s.chosen.logp - s.rejected.logp;
  replace(out, h('table', { class: 'probe-table' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { class: 'num' }, 'before'), h('th', { class: 'num' }, 'after'), h('th', { class: 'num' }, 'change'))),
    h('tbody', {},
      row('p(chosen token)', r.before.chosen.tokenProb, r.after.chosen.tokenProb),
      row('p(rejected token)', r.before.rejected.tokenProb, r.after.rejected.tokenProb),
      row('log p(chosen) − log p(rejected), whole calls', margin(r.before), margin(r.after), 2))),
    h('p', { class: 'muted' }, `One step at lr ${r.lr}, β ${r.beta}; DPO loss of the step ${r.loss.toFixed(3)}.`));
}
