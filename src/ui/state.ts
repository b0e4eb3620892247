// The page's state: what each stage has produced and its status. Views read it and subscribe to changes.
// Plain data only (it is what persistence saves); workers own the tensors.
import type {
  BackendReport, BeforeAfterAtMisses, DatasetSplits, DpoRoundResult, EvalReport, JobProgress, MemoryReport, MetricPoint, ModelInfo, ModelSource, PairsResult, Sample,
  StageName, TrainResultSummary,
} from '../protocol.ts';
import type { EvalHeadroom } from './eval_headroom.ts';

export const STAGES: readonly StageName[] = ['data', 'model', 'sft', 'pairs', 'dpo', 'evaluate', 'export'];
/** A panel of the page: the classroom view, then one per stage. */
export type PanelName = StageName | 'classroom';
export const PANEL_LABELS: Record<PanelName, string> = {
  classroom: 'Classroom', data: 'Data', model: 'Model', sft: 'SFT', pairs: 'Pairs', dpo: 'DPO', evaluate: 'Evaluate', export: 'Export',
};
export const STAGE_LABELS: Record<StageName, string> = PANEL_LABELS;
export const PANELS: readonly PanelName[] = ['classroom', ...STAGES];

/** 'stale': finished once, but a stage it depends on has run again since, so its result is out of date. */
export type StageStatus = 'idle' | 'running' | 'paused' | 'done' | 'stopped' | 'error' | 'stale';

/** The stages whose results depend on each stage's output. */
export const DOWNSTREAM: Record<StageName, readonly StageName[]> = {
  data: ['sft', 'pairs', 'dpo', 'evaluate'],
  model: ['sft', 'pairs', 'dpo', 'evaluate'],
  sft: ['pairs', 'dpo', 'evaluate'],
  pairs: ['dpo', 'evaluate'],
  dpo: ['evaluate'],
  evaluate: [],
  export: [],
};

export interface StageState {
  status: StageStatus;
  progress?: JobProgress;
  error?: string;
}

/** The dataset every stage reads: samples and their split. */
export interface Dataset {
  samples: Sample[];
  splits: DatasetSplits;
  source: 'generated' | 'imported';
  /** The resolved generator config (generated datasets). */
  config?: Record<string, unknown>;
}

/** A training run (SFT or DPO) as the page keeps it: config, metric history, how it ended. */
export interface TrainRun {
  runId: string;
  config: Record<string, unknown>;
  points: MetricPoint[];
  startedAt: number;
  summary?: TrainResultSummary;
  /** The model the run started from (DPO: the reference, reloaded to resume or to evaluate "before"). */
  startSource?: ModelSource;
  /** DPO: the run was undone (the pre-DPO model loaded again after it ran away). */
  rolledBack?: boolean;
  /** DPO with rounds > 1: each finished round, as it arrives. */
  rounds?: DpoRoundResult[];
}

/** One line of the run history (Export shows it; the report includes it). */
export interface RunRecord {
  stage: StageName;
  runId: string;
  at: number;
  outcome: string;
  detail: string;
  config?: Record<string, unknown>;
}

/** The Evaluate stage's result: reports of the model before and after preference training. */
export interface EvaluationReport {
  config: Record<string, unknown>;
  /** Named reports in order (e.g. SFT model, DPO model). */
  reports: { name: string; report: EvalReport }[];
  /** What the reader must know to read the numbers (cancelled run, no test split). */
  notes?: string[];
  /**
   * With two models: the last at the first's first wrong tokens of the call turns (the token-level line), and how
   * many samples were too long for the model's positions to read.
   */
  tokenLevel?: BeforeAfterAtMisses & { skipped: number };
  /** With evaluate.passAtK > 0: each model's pass@k on the same turns, beside its greedy reading (eval_headroom.ts). */
  headroom?: EvalHeadroom;
}

export interface AppState {
  stages: Record<StageName, StageState>;
  backend?: BackendReport;
  memory?: MemoryReport;
  model?: ModelInfo;
  dataset?: Dataset;
  sft?: TrainRun;
  dpo?: TrainRun;
  history: RunRecord[];
  /** Pairs built by the Pairs stage (with the teaching view's details). */
  pairs?: PairsResult;
  /** The Evaluate stage's report. */
  evaluation?: EvaluationReport;
  /** Where the current model came from, so a reload loads the same one (a checkpoint id or the default). */
  modelSource?: ModelSource;
  /** A message for the banner (worker died, quota exceeded); cleared by the user. */
  alert?: { text: string; actions?: { label: string; run: () => void }[] };
}

type Listener = (state: AppState) => void;

export class Store {
  state: AppState = {
    stages: Object.fromEntries(STAGES.map((s) => [s, { status: 'idle' }])) as Record<StageName, StageState>,
    history: [],
  };
  private listeners: Listener[] = [];

  update(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }

  setStage(stage: StageName, patch: Partial<StageState>): void {
    this.update({ stages: { ...this.state.stages, [stage]: { ...this.state.stages[stage], ...patch } } });
  }

  /** Marks the finished stages that depend on `stage` as stale (it is running again or its output changed). */
  invalidateAfter(stage: StageName): void {
    const stages = { ...this.state.stages };
    let changed = false;
    for (const s of DOWNSTREAM[stage]) {
      if (stages[s].status === 'done' || stages[s].status === 'stopped') {
        stages[s] = { ...stages[s], status: 'stale', error: `${STAGE_LABELS[stage]} changed since this ran` };
        changed = true;
      }
    }
    if (changed) this.update({ stages });
  }

  record(entry: Omit<RunRecord, 'at'>): void {
    this.update({ history: [...this.state.history, { ...entry, at: Date.now() }] });
  }

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
    listener(this.state);
  }
}
