// Loading a model into the engine from the page: default, preset, imported folder or checkpoint.
// Non-default models are stored as a checkpoint, so a reload brings back the same model.
import type { ModelInfo, ModelSource } from '../protocol.ts';
import type { AppContext } from './context.ts';

export interface LoadOptions {
  /** Add a line to the run history (default true); false when a stage reloads a model it already used. */
  record?: boolean;
}

export async function loadModel(ctx: AppContext, source: ModelSource, options: LoadOptions = {}): Promise<ModelInfo> {
  const { store } = ctx;
  store.setStage('model', { status: 'running', error: undefined });
  try {
    const info = await ctx.engine.api.loadModel(source, store.state.dataset?.samples.slice(0, 200));
    let persisted: ModelSource = source;
    if (source.kind === 'preset' || source.kind === 'files') {
      const saved = await ctx.engine.api.saveModel(`model-${Date.now()}`);
      persisted = { kind: 'checkpoint', id: saved.id };
    }
    store.update({ model: info, modelSource: persisted });
    store.setStage('model', { status: 'done' });
    if (source.kind !== 'checkpoint' && options.record !== false) {
      store.record({ stage: 'model', runId: `model-${Date.now()}`, outcome: 'done', detail: `${info.name} (${source.kind}, ${info.nParams.toLocaleString()} parameters)${info.note ? `: ${info.note}` : ''}` });
    }
    await ctx.refreshStatus();
    return info;
  } catch (err) {
    // The engine keeps the model it had when a load fails: the stage is still done with that model.
    store.setStage('model', store.state.model ? { status: 'done', error: undefined } : { status: 'error', error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

/** At start: the model the last session ended with (a stored checkpoint), else the shipped default. */
export async function loadStartModel(ctx: AppContext): Promise<void> {
  const saved = ctx.store.state.modelSource;
  if (saved?.kind === 'checkpoint') {
    try {
      await loadModel(ctx, saved);
      return;
    } catch (err) {
      ctx.store.update({ alert: { text: `The last model (${saved.id}) could not be loaded (${err instanceof Error ? err.message : String(err)}); the default model was loaded instead.` } });
    }
  }
  await loadModel(ctx, { kind: 'default' });
}
