// Pairs panel, the teaching view: the sampled tool call as a strip of tokens shaded by probability,
// divergence points marked; selecting one shows the alternatives, their continuations, ESM scores,
// error categories and which became chosen or rejected. Step-through walks one branch at a time.
import type { PairsResult, SamplePairs } from '../../protocol.ts';
import { createConfigEditor } from '../config_editor.ts';
import { FIELDS } from '../config_fields.ts';
import type { View } from '../context.ts';
import { h, replace } from '../dom.ts';
import { createJobPanel } from '../job_panel.ts';
import { callback } from '../workers.ts';

type Branch = SamplePairs['branches'][number];

/** Token text with whitespace made visible (a newline token would otherwise be an empty box). */
const visible = (text: string): string => text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '·') || '∅';

/** Pair text for the table: whitespace-only text made visible, long text cut with an ellipsis. */
export function clip(text: string, max = 120): string {
  const shown = text.trim() ? text : visible(text);
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

export const pairsView: View = (ctx) => {
  const { store } = ctx;
  const editor = createConfigEditor({ id: 'pairs', fields: FIELDS.pairs, resolve: (o) => ctx.engine.api.resolveConfig('pairs', o), onWorkerRestart: (l) => ctx.engine.onRestart(l), initial: {} });
  const job = createJobPanel({
    stage: 'pairs', store, startLabel: 'Build pairs',
    blocked: () => editor.problem() ?? (!store.state.dataset ? 'generate or import a dataset first' : !store.state.model ? 'load a model first' : undefined),
    control: (a) => ctx.engine.api.control(a),
    abortOn: (abort) => ctx.engine.onRestart(abort),
    run: async (onProgress) => {
      const d = store.state.dataset!;
      const train = new Set(d.splits.train);
      live = [];
      renderPrompts();
      let result: PairsResult;
      try {
        result = await ctx.engine.api.runPairs({ config: editor.value()!, samples: d.samples.filter((s) => train.has(s.id)) }, onProgress,
          callback((detail: SamplePairs) => {
            if (!live) return;
            live.push(detail);
            renderPrompts();
          }));
      } finally {
        live = undefined;
      }
      store.update({ pairs: result });
      store.record({ stage: 'pairs', runId: `pairs-${Date.now()}`, outcome: result.outcome, config: result.config, detail: `${result.stats.pairs} pairs from ${result.stats.prompts} prompts, ${result.stats.divergences} divergence points` });
    },
  });
  editor.onChange(() => job.refresh());
  ctx.stages.pairs = { configure: (o) => editor.set(o), run: () => job.start() };

  const stats = h('p', { 'data-testid': 'pairs-stats' });
  const promptSelect = h('select', { id: 'pairs-prompt', 'aria-label': 'Prompt' });
  const strip = h('div', { class: 'token-strip', 'data-testid': 'token-strip', role: 'group', 'aria-label': 'Sampled tokens, shaded by probability' });
  const detail = h('div', { class: 'divergence-detail', 'data-testid': 'divergence-detail', 'aria-live': 'polite' });
  const prevBtn = h('button', { 'data-action': 'prev-branch' }, '◀ Previous branch');
  const nextBtn = h('button', { 'data-action': 'next-branch' }, 'Next branch ▶');
  const stepText = h('span', { class: 'muted' });
  const pairTable = h('div', { 'data-testid': 'pair-table' });
  let current: SamplePairs | undefined;
  let live: SamplePairs[] | undefined;
  let branchIndex = -1;

  const showDivergence = (index: number, focusBranch?: Branch): void => {
    if (!current?.trajectory) return;
    for (const el of strip.querySelectorAll<HTMLElement>('.divergence')) el.setAttribute('aria-pressed', String(Number(el.dataset.index) === index));
    const point = current.divergences.find((d) => d.index === index);
    const token = current.trajectory.tokens[index];
    if (!point || !token) return replace(detail, h('p', { class: 'muted' }, 'Select a marked token.'));
    const branches = current.branches.filter((b) => b.divergenceIndex === index);
    replace(detail,
      h('h3', {}, `Divergence at token ${index} (${point.span}): ${JSON.stringify(token.text)}`),
      h('p', { class: 'muted' }, `top-1 probability ${point.uncertainty.top1Prob.toFixed(2)}, entropy ${point.uncertainty.entropy.toFixed(2)} nats; flagged by ${point.reasons.join(', ')}`),
      h('h3', {}, 'Alternatives at this step'),
      h('ul', {}, ...token.alternatives.map((a) => h('li', {}, h('code', {}, JSON.stringify(a.text)), ` p=${a.prob.toFixed(3)}`,
        a.id === token.id ? ' (sampled)' : point.alternatives.some((x) => x.id === a.id) ? ' (branched)' : ''))),
      h('h3', {}, 'Continuations'),
      h('div', { class: 'branch', 'data-role': 'base' }, h('strong', {}, `sampled ${JSON.stringify(token.text)}: `), h('code', {}, current.trajectory.text.slice(token.charStart)),
        h('div', { class: 'muted' }, `ESM ${current.trajectory.esm.toFixed(3)}; errors: ${current.trajectory.categories.join(', ') || 'none'}`)),
      ...branches.map((b) => h('div', { class: 'branch', 'data-role': b.role === 'both' ? 'chosen' : b.role, 'data-current': String(b === focusBranch) },
        h('strong', {}, `forced ${JSON.stringify(b.forcedText)}: `), h('code', {}, b.text),
        h('div', { class: 'muted' }, `ESM ${b.esm.toFixed(3)}; errors: ${b.categories.join(', ') || 'none'}; became `, h('strong', { 'data-testid': 'branch-role' }, b.role)))),
      branches.length ? null : h('p', { class: 'muted' }, 'No branch was decoded here (budget).'));
  };
  const stepTo = (i: number): void => {
    if (!current?.branches.length) return;
    branchIndex = (i + current.branches.length) % current.branches.length;
    const b = current.branches[branchIndex];
    stepText.textContent = `branch ${branchIndex + 1} of ${current.branches.length}`;
    // Focus stays on the button, so Space/Enter keeps stepping; the detail region announces the branch.
    showDivergence(b.divergenceIndex, b);
  };
  prevBtn.addEventListener('click', () => stepTo(branchIndex - 1));
  nextBtn.addEventListener('click', () => stepTo(branchIndex + 1));

  const showPrompt = (i: number): void => {
    current = details()[i];
    branchIndex = -1;
    stepText.textContent = '';
    if (!current?.trajectory) {
      replace(strip, h('span', { class: 'muted' }, current ? 'This prompt was sampled in turn/sequence mode (no token strip).' : 'No pairs yet.'));
      replace(detail);
      replace(pairTable);
      return;
    }
    const points = new Set(current.divergences.map((d) => d.index));
    replace(strip, ...current.trajectory.tokens.map((t, j) => {
      const shade = `rgba(26, 95, 180, ${(0.06 + 0.4 * t.prob).toFixed(2)})`;
      const label = `${JSON.stringify(t.text)} p=${t.prob.toFixed(2)} (${t.span})`;
      // The probability is printed under each token (readable without a mouse or hover).
      const body = [h('span', { class: 'tok-text' }, visible(t.text)), h('span', { class: 'tok-p' }, t.prob.toFixed(2))];
      return points.has(j)
        ? h('button', { class: 'token divergence', style: `background:${shade}`, 'data-index': j, 'aria-pressed': 'false', title: label, 'aria-label': `divergence: ${label}`, onclick: () => showDivergence(j) }, ...body)
        : h('span', { class: 'token', style: `background:${shade}`, title: label }, ...body);
    }));
    replace(pairTable, current.pairs.length ? h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'kind'), h('th', {}, 'at token'), h('th', {}, 'chosen'), h('th', {}, 'rejected'), h('th', { class: 'num' }, 'margin'))),
      h('tbody', {}, ...current.pairs.map((p) => h('tr', {}, h('td', {}, `${p.kind}${p.spanType ? ` (${p.spanType})` : ''}`), h('td', {}, String(p.divergenceIndex ?? '–')),
        h('td', { class: 'mono pair-text' }, `${clip(p.chosen.text)} [ESM ${p.chosen.esm.toFixed(2)}]`),
        h('td', { class: 'mono pair-text' }, `${clip(p.rejected.text)} [ESM ${p.rejected.esm.toFixed(2)}; ${p.rejected.categories.join(', ') || 'no errors'}]`),
        h('td', { class: 'num' }, p.margin.toFixed(2)))))) : h('p', { class: 'muted' }, 'No pair from this prompt.'));
    replace(detail, h('p', { class: 'muted' }, `${points.size} divergence point(s), ${current.branches.length} branch(es), ${current.pairs.length} pair(s). Base ESM ${current.trajectory.esm.toFixed(3)}. Select a marked token or step through the branches.`));
  };
  promptSelect.addEventListener('change', () => showPrompt(Number(promptSelect.value)));

  /** While building, the prompts done so far; otherwise the finished result's. */
  const details = (): SamplePairs[] => live ?? store.state.pairs?.details ?? [];
  const renderPrompts = (): void => {
    const all = details();
    const keep = promptSelect.value;
    replace(promptSelect, ...all.map((d, i) => h('option', { value: i }, `${d.sampleId} turn ${d.turnIndex}: ${d.divergences.length} divergences, ${d.pairs.length} pairs`)));
    if (live) {
      if (live.length === 1 || !keep) showPrompt(0);
      else promptSelect.value = keep;
      stats.textContent = `building: ${live.length} prompt(s) done, ${live.reduce((n, d) => n + d.pairs.length, 0)} pairs so far…`;
      return;
    }
    const first = Math.max(0, all.findIndex((d) => d.divergences.length > 0));
    promptSelect.value = String(first);
    showPrompt(first);
  };

  let last: unknown;
  store.subscribe((s) => {
    job.refresh();
    if (s.pairs === last) return;
    last = s.pairs;
    const p = s.pairs;
    if (!p) {
      stats.textContent = 'No pairs yet.';
      replace(promptSelect);
      return showPrompt(-1);
    }
    const st = p.stats;
    stats.textContent = `${st.pairs} pairs from ${st.prompts} prompts (${p.outcome}); ${st.divergences} divergence points ` +
      `(name ${st.divergencesBySpan.name}, key ${st.divergencesBySpan.key}, value ${st.divergencesBySpan.value}, format ${st.divergencesBySpan.format}); ` +
      `mean margin ${st.margin.mean.toFixed(3)}; mean base ESM ${st.meanBaseEsm.toFixed(3)}.`;
    renderPrompts();
  });

  return h('div', { class: 'pairs-view' },
    h('p', { class: 'muted' }, 'Token-level preference sampling: where the model was unsure inside a tool call, each alternative token is forced, the call finished and scored with ESM; pairs differ from that token on.'),
    editor.el, job.el, stats,
    h('div', { class: 'row' }, h('label', { for: 'pairs-prompt' }, 'Prompt: '), promptSelect),
    strip,
    h('div', { class: 'row' }, prevBtn, nextBtn, stepText),
    detail,
    h('h3', {}, 'Pairs from this prompt'), pairTable);
};
