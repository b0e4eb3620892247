// The first-visit overview: the pipeline in six steps, each one line, and a "Start here" that opens the
// reference run. Shown once (remembered in localStorage) and again from the "How it works" button.
import { h } from '../dom.ts';
import { term } from './terms.ts';

const SEEN_KEY = 'ttpa-overview-seen';

export function firstVisit(): boolean {
  return localStorage.getItem(SEEN_KEY) === null;
}

export function createOverview(startHere: () => void): { el: HTMLElement; show(): void } {
  const steps: [string, string][] = [
    ['Data', 'conversations where a user asks and the assistant calls real tools, built backwards from the calls so every question is answerable.'],
    ['Model', 'a small language model (1M parameters) already fine-tuned on such data: it still gets a quarter to two fifths of its answers wrong on new questions (26-42% in our runs).'],
    ['Pairs', 'where the model hesitated inside a call, each likely token is forced and the call finished and scored.'],
    ['DPO', 'the model is trained to prefer the better-scored continuation, from the token where they split.'],
    ['Evaluate', 'every model answers the same held-out questions; we count the calls it gets wrong.'],
  ];
  const startBtn = h('button', { class: 'primary big', 'data-action': 'start-here' }, 'Start here: show the reference run');
  const close = h('button', { 'data-action': 'close-overview' }, 'Close');
  const el = h('section', { class: 'overview', 'aria-labelledby': 'overview-title', 'data-testid': 'overview' },
    h('h3', { id: 'overview-title' }, 'How a model learns to call tools better, in five steps'),
    h('ol', { class: 'overview-steps' }, ...steps.map(([name, text]) => h('li', {}, h('strong', {}, name), `: ${text}`))),
    h('p', {}, 'The method is ', term('TTPA'), ': calls are scored with ', term('ESM'), ' and the model is trained with ', term('DPO'), '.'),
    h('div', { class: 'row' }, startBtn, close));
  const hide = (): void => {
    el.hidden = true;
    localStorage.setItem(SEEN_KEY, '1');
  };
  startBtn.addEventListener('click', () => {
    hide();
    startHere();
  });
  close.addEventListener('click', hide);
  el.hidden = !firstVisit();
  return { el, show: () => { el.hidden = false; startBtn.focus(); } };
}
