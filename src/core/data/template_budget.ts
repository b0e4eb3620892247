// Chat-template rendering with a budget: an imported template (tokenizer_config.json, --template) is
// code, so evaluation steps, text produced and range() sizes are capped and a template that exceeds
// them fails with a named error instead of hanging or exhausting memory. Not a sandbox for anything else.
import { Environment, Interpreter, Template } from '@huggingface/jinja';

export interface TemplateBudget {
  /** Expression/statement evaluations per render. */
  maxSteps: number;
  /** Characters of text one render may produce (any single value, and 16x that summed over all values). */
  maxOutputChars: number;
  /** Elements one range() call may make. */
  maxRange: number;
}

/** A conversation with tools takes under 1,000 steps in the default template (about 5 ms per 1,000 steps
 * here); 200,000 leaves room for long conversations and templates 20x more elaborate, and stops a
 * runaway loop within about a second. */
export const DEFAULT_TEMPLATE_BUDGET: Readonly<TemplateBudget> = Object.freeze({ maxSteps: 200_000, maxOutputChars: 16 * 1024 * 1024, maxRange: 100_000 });

export class TemplateBudgetError extends Error {}

type Statement = Parameters<Interpreter['evaluate']>[0];
type Value = ReturnType<Interpreter['evaluate']>;

/** The interpreter of @huggingface/jinja, metered at every evaluation. */
class MeteredInterpreter extends Interpreter {
  private steps = 0;
  private chars = 0;
  constructor(env: Environment, private budget: TemplateBudget) {
    super(env);
  }
  override evaluate(statement: Statement, environment: Environment): Value {
    if (++this.steps > this.budget.maxSteps) throw new TemplateBudgetError(`chat template ran over its budget of ${this.budget.maxSteps} evaluation steps (a loop that never ends, or one too long)`);
    const v = super.evaluate(statement, environment);
    if (typeof v.value === 'string') {
      this.chars += v.value.length;
      if (v.value.length > this.budget.maxOutputChars || this.chars > 16 * this.budget.maxOutputChars) {
        throw new TemplateBudgetError(`chat template produced more than ${this.budget.maxOutputChars} characters`);
      }
    }
    return v;
  }
}

/** Python's range(), refusing to build more than `max` elements. */
function boundedRange(max: number) {
  return (start: number, stop?: number, step = 1): number[] => {
    if (stop === undefined) [start, stop] = [0, start];
    if (step === 0) throw new Error('range() step must not be zero');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n > max) throw new TemplateBudgetError(`chat template called range() for ${n} elements, over the limit of ${max}`);
    return Array.from({ length: n }, (_, i) => start + i * step);
  };
}

/** strftime_now as @huggingface/jinja has it (Llama 3 templates print today's date). */
function strftimeNow(format: string): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  const month = (style: 'long' | 'short'): string => new Intl.DateTimeFormat('en', { month: style }).format(d);
  const parts: Record<string, string> = {
    '%Y': String(d.getFullYear()), '%m': pad(d.getMonth() + 1), '%d': pad(d.getDate()), '%b': month('short'),
    '%B': month('long'), '%H': pad(d.getHours()), '%M': pad(d.getMinutes()), '%%': '%',
  };
  return format.replace(/%[YmdbBHM%]/g, (t) => parts[t]);
}

/** Template.render with the library's globals, a bounded range() and a metered interpreter. */
export function renderWithBudget(template: Template, items: Record<string, unknown>, budget: TemplateBudget = DEFAULT_TEMPLATE_BUDGET): string {
  const env = new Environment();
  const globals: Record<string, unknown> = {
    false: false, true: true, none: null, False: false, True: true, None: null,
    raise_exception: (msg: string) => {
      throw new Error(msg);
    },
    range: boundedRange(budget.maxRange),
    strftime_now: strftimeNow,
  };
  for (const [k, v] of Object.entries({ ...items, ...globals })) env.set(k, v);
  return new MeteredInterpreter(env, budget).run(template.parsed).value as string;
}
