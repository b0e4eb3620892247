// The header's pipeline controls: apply a pipeline preset (models/presets) to every stage's config,
// and run the stages in order (data, model, SFT, pairs, DPO, evaluate), stopping at the first that fails.
import type { StageName } from '../protocol.ts';
import type { AppContext } from './context.ts';
import { h } from './dom.ts';
import { loadModel } from './model_loader.ts';
import { PRESETS, presetStages } from './presets.ts';
import { STAGE_LABELS } from './state.ts';

const ORDER: StageName[] = ['data', 'model', 'sft', 'pairs', 'dpo', 'evaluate'];

export function createPipelineBar(ctx: AppContext): HTMLElement {
  const select = h('select', { id: 'pipeline-preset', 'aria-label': 'Pipeline preset' },
    ...Object.keys(PRESETS).map((name) => h('option', { value: name }, name)));
  const status = h('span', { class: 'muted', role: 'status', 'data-testid': 'pipeline-status' });
  const apply = async (): Promise<ReturnType<typeof presetStages>> => {
    const plan = presetStages(PRESETS[select.value]);
    for (const stage of ORDER) {
      const overrides = plan.configs[stage];
      if (overrides) await ctx.stages[stage]?.configure(overrides);
    }
    status.textContent = `preset ${select.value} applied`;
    return plan;
  };
  const runAll = async (): Promise<void> => {
    runBtn.disabled = true;
    try {
      const plan = await apply();
      for (const stage of ORDER) {
        if (plan.skip.includes(stage)) continue;
        status.textContent = `running ${STAGE_LABELS[stage]}…`;
        if (stage === 'model' && plan.useStartModel) await loadModel(ctx, { kind: 'default' });
        else await ctx.stages[stage]?.run();
        const s = ctx.store.state.stages[stage];
        if (s.status !== 'done') {
          status.textContent = `stopped at ${STAGE_LABELS[stage]}: ${s.error ?? s.status}`;
          return;
        }
      }
      status.textContent = `preset ${select.value}: all stages done`;
    } catch (err) {
      status.textContent = `failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      runBtn.disabled = false;
    }
  };
  const applyBtn = h('button', { onclick: () => void apply() }, 'Apply');
  const runBtn = h('button', { class: 'primary', 'data-action': 'run-all', onclick: () => void runAll() }, 'Run all stages');
  return h('div', { class: 'pipeline-bar row' }, h('label', { for: 'pipeline-preset' }, 'Preset: '), select, applyBtn, runBtn, status);
}
