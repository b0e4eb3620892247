// Renders one sample's conversation: user and assistant text, tool calls as JSON, tool results.
import type { Sample } from '../../protocol.ts';
import { h } from '../dom.ts';

export function renderSample(sample: Sample): HTMLElement {
  const messages = sample.messages.map((m) => {
    const calls = (m.tool_calls ?? []).map((c) => h('pre', { class: 'mono tool-call' }, `${c.function.name}(${JSON.stringify(c.function.arguments)})`));
    const role = m.role === 'tool' ? `tool result${m.name ? ` · ${m.name}` : ''}` : m.role;
    return h('div', { class: 'message', 'data-role': m.role },
      h('div', { class: 'role' }, role),
      m.content ? h('div', { class: m.role === 'tool' ? 'mono' : '' }, m.content) : null,
      ...calls);
  });
  const tools = sample.tools.map((t) => t.function.name).join(', ');
  return h('article', { class: 'sample', 'data-testid': 'sample-detail', 'aria-label': `sample ${sample.id}` },
    h('div', { class: 'muted' }, `${sample.id} · ${sample.meta.category} · tools offered: ${tools || 'none'}`),
    ...messages);
}

/** First user message, shortened, for lists. */
export function sampleTitle(sample: Sample): string {
  const q = sample.messages.find((m) => m.role === 'user')?.content ?? '(no user message)';
  return q.length > 90 ? `${q.slice(0, 87)}…` : q;
}
