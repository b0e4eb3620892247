// The header's pipeline controls: apply a pipeline preset (models/presets) to every stage's config,
// and run the stages in order (data, model, SFT, pairs, DPO, evaluate), stopping at the first that fails.
import type { StageName } from '../protocol.ts';
import type { AppContext } from './context.ts';
import { h } from './dom.ts';
import { loadModel } from './model_loader.ts';
import { PRESETS, presetStages } from './presets.ts';
import { STAGE_LABELS } from './state.ts';

const ORDER: StageName[] = ['data', 'model', 'sft', 'pairs', 'dpo', 'evaluate'];

/** Applies preset `name` to every stage's config (the stages keep it for their next run). */
export async function applyPreset(ctx: AppContext, name: string): Promise<ReturnType<typeof presetStages>> {
  const plan = presetStages(PRESETS[name]);
  for (const stage of ORDER) {
    const overrides = plan.configs[stage];
    if (overrides) await ctx.stages[stage]?.configure(overrides);
  }
  return plan;
}

/** Applies preset `name` and runs its stages in order; `say` gets a line per step. True when all were done. */
export async function runPreset(ctx: AppContext, name: string, say: (text: string) => void): Promise<boolean> {
  try {
    const plan = await applyPreset(ctx, name);
    for (const stage of ORDER) {
      if (plan.skip.includes(stage)) continue;
      say(`running ${STAGE_LABELS[stage]}…`);
      if (stage === 'model' && plan.useStartModel) await loadModel(ctx, { kind: 'default' });
      else await ctx.stages[stage]?.run();
      const s = ctx.store.state.stages[stage];
      if (s.status !== 'done') {
        say(`stopped at ${STAGE_LABELS[stage]}: ${s.error ?? s.status}`);
        return false;
      }
    }
    say(`preset ${name}: all stages done`);
    return true;
  } catch (err) {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

export function createPipelineBar(ctx: AppContext): HTMLElement {
  const select = h('select', { id: 'pipeline-preset', 'aria-label': 'Pipeline preset' },
    ...Object.keys(PRESETS).map((name) => h('option', { value: name }, name)));
  const status = h('span', { class: 'muted', role: 'status', 'data-testid': 'pipeline-status' });
  const say = (text: string): void => { status.textContent = text; };
  const applyBtn = h('button', { onclick: () => void applyPreset(ctx, select.value).then(() => say(`preset ${select.value} applied`)) }, 'Apply');
  const runBtn = h('button', { class: 'primary', 'data-action': 'run-all' }, 'Run all stages');
  runBtn.addEventListener('click', async () => {
    runBtn.disabled = true;
    await runPreset(ctx, select.value, say);
    runBtn.disabled = false;
  });
  return h('div', { class: 'pipeline-bar row' }, h('label', { for: 'pipeline-preset' }, 'Preset: '), select, applyBtn, runBtn, status);
}
