// What the classroom view shows, from either source: the bundled reference run (public/reference/run.json,
// written by scripts/bundle_reference.ts from a pipeline run folder) or the run made in this app.
// Arms are read from the report as listed, never from a fixed list, so new arms appear as they are added.
import type { MetricPoint, Sample, SamplePairs } from '../../protocol.ts';
import type { AppState } from '../state.ts';

export interface ArmView {
  /** Key in the report ('sft', 'token', ...) or the app's report name. */
  key: string;
  label: string;
  errorRate: number;
  meanEsm: number;
  turns: number;
  /** Per-turn exact match, same turns in the same order for every arm (for paired intervals); absent if unknown. */
  exact?: boolean[];
  /** Share of turns per error category. */
  errorRates: Record<string, number>;
  /** Loop reports: validation error after each round, and the round kept as the arm's final model (0 = start). */
  rounds?: { round: number; valErrorRate: number }[];
  selectedRound?: number;
}

export interface ClassroomData {
  /** One line saying where the numbers come from. */
  source: string;
  kind: 'reference' | 'app';
  /** The first arm is the baseline the others are compared with. */
  arms: ArmView[];
  /** The arm the headline shows after the baseline (TTPA when present). */
  headline?: string;
  details: SamplePairs[];
  samples: Record<string, Sample>;
  curves: { label: string; points: MetricPoint[] }[];
  /** Extra report lines (the goal check, the control) when the source has them. */
  notes: string[];
}

/** Names of the arms the CLI writes today; an arm not listed here shows under its own key. */
const ARM_LABELS: Record<string, string> = {
  sft: 'SFT (before preference training)', sequence: 'sequence-level DPO', token: 'TTPA (token-level DPO)', ttpa: 'TTPA (token-level DPO)',
  control: 'control: NLL on TTPA chosen only', rft: 'rejection-sampling fine-tuning', 'sft-continued': 'SFT continued',
};
export const armLabel = (key: string): string => ARM_LABELS[key] ?? key;

interface ReportArm {
  errorRate: number; meanEsm: number; turns: number; errorRates?: Record<string, number>;
  rounds?: { round: number; valErrorRate: number }[]; selectedRound?: number;
}

/** The bundle as scripts/bundle_reference.ts writes it (only the fields read here). */
export interface ReferenceBundle {
  source: { run?: string; preset: string; seed: number; bundledAt: string; startModel: string; note: string };
  /** A single-round report (arms.sft is the start) or a loop report (kind 'loop', `start` plus the arms). */
  report: {
    kind?: string; preset: string; seed: number; wallMs: number; start?: ReportArm;
    arms: Record<string, ReportArm | undefined>; goal?: { met: boolean; relativeErrorReduction: number };
  };
  perTurn: Record<string, { exact: boolean }[]>;
  curves: Record<string, MetricPoint[]>;
  details: SamplePairs[];
  samples: Sample[];
}

export function fromReference(b: ReferenceBundle): ClassroomData {
  const listed = Object.entries(b.report.arms).filter((e): e is [string, ReportArm] => !!e[1]);
  // A loop report keeps the starting model apart from the arms; it is the baseline either way (eval/sft).
  const all: [string, ReportArm][] = b.report.start && !b.report.arms.sft ? [['sft', b.report.start], ...listed] : listed;
  const arms = all.map(([key, a]) => ({
    key, label: armLabel(key), errorRate: a.errorRate, meanEsm: a.meanEsm, turns: a.turns, errorRates: a.errorRates ?? {},
    exact: b.perTurn[key]?.map((t) => t.exact), rounds: a.rounds, selectedRound: a.selectedRound,
  }));
  const notes = b.report.goal ? [`The project's goal (TTPA cuts the SFT error rate by 30% relative) is ${b.report.goal.met ? 'met' : 'not met'} in this run: relative change ${(100 * b.report.goal.relativeErrorReduction).toFixed(1)}%.`] : [];
  return {
    kind: 'reference',
    source: `Reference run: preset ${b.report.preset}, seed ${b.report.seed}${b.report.kind === 'loop' ? `, ${Math.max(0, ...arms.map((a) => a.rounds?.length ?? 0))}-round loop` : ''}, ${(b.report.wallMs / 60000).toFixed(1)} min on the CLI (wasm); ${b.source.note}.`,
    arms, headline: arms.find((a) => a.key === 'token' || a.key === 'ttpa')?.key ?? arms[1]?.key,
    details: b.details, samples: Object.fromEntries(b.samples.map((s) => [s.id, s])),
    curves: Object.entries(b.curves).map(([k, points]) => ({ label: armLabel(k), points })),
    notes,
  };
}

/** The run made in this app: Evaluate's reports (before and after DPO), the pairs' details, the DPO curves. */
export function fromState(s: AppState): ClassroomData | undefined {
  const reports = s.evaluation?.reports ?? [];
  if (!reports.length && !s.pairs) return undefined;
  const arms = reports.map((r) => ({
    key: r.name, label: r.name, errorRate: 1 - r.report.overall.exactMatch, meanEsm: r.report.overall.meanEsm,
    turns: r.report.overall.turns, errorRates: { ...r.report.overall.errorRates }, exact: r.report.turns.map((t) => t.exact),
  }));
  const samples = Object.fromEntries((s.dataset?.samples ?? []).map((x) => [x.id, x]));
  return {
    kind: 'app',
    source: `Your run in this app${s.evaluation ? `: ${reports[reports.length - 1]?.report.overall.turns ?? 0} test turns` : ''}${s.stages.evaluate.status === 'stale' ? ' (stale: a stage ran again since Evaluate)' : ''}.`,
    arms, headline: arms[1]?.key,
    details: (s.pairs?.details ?? []).filter((d) => d.trajectory && d.pairs.length),
    samples,
    curves: s.dpo?.points.length ? [{ label: 'DPO', points: s.dpo.points }] : [],
    notes: s.evaluation?.notes ?? [],
  };
}
