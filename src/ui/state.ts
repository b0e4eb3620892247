// The page's state: what each stage has produced and its status. Views read it and subscribe to changes.
// Plain data only (it is what persistence saves); workers own the tensors.
import type { BackendReport, JobProgress, MemoryReport, ModelInfo, Sample, StageName } from '../protocol.ts';

export const STAGES: readonly StageName[] = ['data', 'model', 'sft', 'pairs', 'dpo', 'evaluate', 'export'];
export const STAGE_LABELS: Record<StageName, string> = {
  data: 'Data', model: 'Model', sft: 'SFT', pairs: 'Pairs', dpo: 'DPO', evaluate: 'Evaluate', export: 'Export',
};

export type StageStatus = 'idle' | 'running' | 'paused' | 'done' | 'stopped' | 'error';

export interface StageState {
  status: StageStatus;
  progress?: JobProgress;
  error?: string;
}

export interface AppState {
  stages: Record<StageName, StageState>;
  backend?: BackendReport;
  memory?: MemoryReport;
  model?: ModelInfo;
  samples: Sample[];
  /** A message for the banner (worker died, quota exceeded); cleared by the user. */
  alert?: { text: string; actions?: { label: string; run: () => void }[] };
}

type Listener = (state: AppState) => void;

export class Store {
  state: AppState = {
    stages: Object.fromEntries(STAGES.map((s) => [s, { status: 'idle' }])) as Record<StageName, StageState>,
    samples: [],
  };
  private listeners: Listener[] = [];

  update(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }

  setStage(stage: StageName, patch: Partial<StageState>): void {
    this.update({ stages: { ...this.state.stages, [stage]: { ...this.state.stages[stage], ...patch } } });
  }

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
    listener(this.state);
  }
}
