// The resolved config of a stage as editable JSON: validated by the owning worker on every edit
// (errors name the bad field), saved with the run. Start is allowed only while the JSON is valid.
import { createFields, type FieldSpec } from './config_fields.ts';
import { h } from './dom.ts';
import * as persist from './persist.ts';

export interface ConfigEditor {
  el: HTMLElement;
  /** The last valid resolved config, or undefined while the text is invalid. */
  value(): Record<string, unknown> | undefined;
  /** Replaces the text with `config` (e.g. restored from a run) and validates it. */
  set(config: Record<string, unknown>): Promise<void>;
  onChange(listener: (valid: boolean) => void): void;
  /** Why a stage cannot start with this config: undefined when valid, a note while the first validation runs. */
  problem(): string | undefined;
}

export interface ConfigEditorOptions {
  /** Key under which edits are saved, e.g. 'sft'. */
  id: string;
  /** Resolves overrides into the full config; throws with a message naming the bad field. */
  resolve(overrides: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Overrides applied on top of the defaults the first time (before any saved edit). */
  initial?: Record<string, unknown>;
  /** Labelled fields shown above the JSON (which becomes the advanced view). */
  fields?: FieldSpec[];
  /**
   * Registers a listener for restarts of the worker behind `resolve`: a call pending on the old worker never
   * settles, so the editor asks again (else it would read "reading the config…" until the next edit).
   */
  onWorkerRestart?(listener: () => void): void;
}

export function createConfigEditor(options: ConfigEditorOptions): ConfigEditor {
  const textarea = h('textarea', { id: `config-${options.id}`, spellcheck: 'false', 'aria-describedby': `config-${options.id}-error`, rows: 10 });
  const error = h('div', { class: 'config-error', id: `config-${options.id}-error`, role: 'status' });
  const reset = h('button', { type: 'button', onclick: () => void setText({}) }, 'Reset to defaults');
  const fields = createFields(options.id, options.fields ?? [], (key, value) => {
    let current: Record<string, unknown> = {};
    try {
      current = JSON.parse(textarea.value || '{}') as Record<string, unknown>;
    } catch { /* the JSON is being edited and invalid: the field edit starts from the resolved config */
      current = { ...(valid ?? {}) };
    }
    edits++;
    textarea.value = JSON.stringify({ ...current, [key]: value }, null, 2);
    void validate();
  });
  const advanced = h('details', { class: 'config-editor' },
    h('summary', {}, options.fields?.length ? 'Advanced: every setting as JSON' : 'Settings (JSON)'),
    h('label', { for: `config-${options.id}` }, 'Resolved config (JSON; edit any field)'), textarea, reset);
  const el = h('div', { class: 'config' }, options.fields?.length ? fields.el : null, error, advanced);
  let valid: Record<string, unknown> | undefined;
  let checked = false;
  const listeners: ((valid: boolean) => void)[] = [];
  let seq = 0;
  // Counts the user's edits (typing, a field), so text set from a slower source (the saved config read on
  // load, a restored run) never overwrites an edit made while that source was still resolving.
  let edits = 0;
  // The config of a setText whose resolve is in flight, and the edit count it started at.
  let pending: { config: Record<string, unknown>; edits: number } | undefined;

  const validate = async (): Promise<void> => {
    const mine = ++seq;
    let result: Record<string, unknown> | undefined;
    let message = '';
    try {
      const parsed = JSON.parse(textarea.value || '{}') as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('config must be a JSON object');
      result = await options.resolve(parsed as Record<string, unknown>);
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    if (mine !== seq) return;
    checked = true;
    valid = result;
    error.textContent = message;
    textarea.dataset.resolved = result ? JSON.stringify(result) : '';
    if (result) fields.show(result);
    textarea.setAttribute('aria-invalid', String(!result));
    if (result) void persist.save(`config:${options.id}`, result).catch(() => undefined);
    for (const l of listeners) l(!!result);
  };
  const setText = async (config: Record<string, unknown>): Promise<void> => {
    const before = edits;
    const mine = { config, edits: before };
    pending = mine;
    let text: string;
    try {
      text = JSON.stringify(await options.resolve(config), null, 2);
    } catch {
      text = JSON.stringify(config, null, 2);
    }
    if (pending !== mine) return; // a later setText (or the same one redone after a restart) owns the text
    pending = undefined;
    if (edits !== before) return; // the user edited meanwhile: their text stays
    textarea.value = text;
    await validate();
  };
  let timer = 0;
  // Leaving the field shows the full resolved config (defaults filled in) when the edit is valid.
  textarea.addEventListener('change', () => void validate().then(() => {
    if (valid) textarea.value = JSON.stringify(valid, null, 2);
  }));
  textarea.addEventListener('input', () => {
    edits++;
    clearTimeout(timer);
    timer = window.setTimeout(() => void validate(), 250);
  });
  options.onWorkerRestart?.(() => {
    if (pending && pending.edits === edits) void setText(pending.config);
    else void validate();
  });
  void persist.load<Record<string, unknown>>(`config:${options.id}`)
    .catch(() => undefined)
    .then((saved) => (edits === 0 ? setText(saved ?? options.initial ?? {}) : undefined));

  return {
    el,
    value: () => valid,
    set: setText,
    onChange: (l) => listeners.push(l),
    problem: () => (valid ? undefined : checked ? 'fix the config first' : 'reading the config…'),
  };
}
