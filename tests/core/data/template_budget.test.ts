import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_TEMPLATE } from '../../../src/core/data/chat_format.ts';
import { DEFAULT_TEMPLATE_BUDGET, renderWithBudget } from '../../../src/core/data/template_budget.ts';

const render = (src: string, items: Record<string, unknown> = {}, budget = DEFAULT_TEMPLATE_BUDGET): string => renderWithBudget(new Template(src), items, budget);

describe('template rendering within a budget', () => {
  it('renders like Template.render, with the same globals', () => {
    const messages = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
    const items = { messages, tools: undefined, add_generation_prompt: false, bos_token: '', eos_token: '' };
    expect(render(DEFAULT_CHAT_TEMPLATE, items)).toBe(new Template(DEFAULT_CHAT_TEMPLATE).render(items));
    expect(render('{{ range(3) | join(",") }} {{ range(1, 7, 2) | join(",") }} {{ true }} {{ none is none }}')).toBe('0,1,2 1,3,5 true true');
    expect(render("{{ strftime_now('%Y') }}")).toBe(String(new Date().getFullYear()));
    expect(() => render("{{ raise_exception('bad input') }}")).toThrow('bad input');
  });

  it('stops at the step, output and range limits', () => {
    const small = { maxSteps: 1000, maxOutputChars: 100, maxRange: 50 };
    const wide = { ...small, maxOutputChars: 1_000_000 };
    expect(() => render('{% for i in range(40) %}{% for j in range(40) %}{{ j }}{% endfor %}{% endfor %}', {}, wide)).toThrow('ran over its budget of 1000 evaluation steps');
    expect(() => render('{{ s ~ s }}', { s: 'x'.repeat(51) }, small)).toThrow('produced more than 100 characters');
    expect(() => render('{{ range(51) | length }}', {}, small)).toThrow('range() for 51 elements, over the limit of 50');
    expect(render('{{ range(50) | length }}', {}, small)).toBe('50');
  });
});
