// What the classroom view shows, from either source: the bundled reference runs (public/reference/run.json,
// written by scripts/bundle_reference.ts from pipeline run folders, one per seed) or the run made in this app.
// Every figure the view prints is computed here (intervals, paired changes, p-values); the view only words them.
// Arms are read from the report as listed, never from a fixed list, so new arms appear as they are added.
import { ARM_NAMES, GOAL_RELATIVE_CUT } from '../../core/pipeline/loop_config.ts';
import { mcnemarExact } from '../../core/scoring/significance.ts';
import type { MetricPoint, Sample, SamplePairs } from '../../protocol.ts';
import type { AppState } from '../state.ts';
import { headroomSummary, headroomText } from '../eval_headroom.ts';
import { pairedChange, wilsonInterval } from './intervals.ts';
import { formatP, summariseSeeds, type SeedsSummary } from './seeds.ts';
import type { HeadroomRow } from '../../core/pipeline/headroom_rows.ts';

/** An arm against the first arm on the same turns: change of the error rate with its 95% interval, and the exact McNemar p. */
export interface PairedView { change: number; low: number; high: number; fixed: number; broken: number; n: number; p: number }

export interface ArmView {
  /** Key in the report ('sft', 'ttpa', ...) or the app's report name. */
  key: string;
  label: string;
  /** A short name for sentences ('TTPA'). */
  short: string;
  errorRate: number;
  /** 95% interval of the error rate: the report's bootstrap interval when it has one, else Wilson's. */
  interval: [number, number];
  intervalMethod: 'bootstrap' | 'Wilson';
  meanEsm: number;
  turns: number;
  /** Share of turns per error category. */
  errorRates: Record<string, number>;
  /** Against the first arm on the same turns; absent for the first arm or when per-turn outcomes are unknown. */
  vsFirst?: PairedView;
  /** Loop reports: validation error after each round, and the round kept as the arm's final model (0 = start). */
  rounds?: { round: number; valErrorRate: number }[];
  selectedRound?: number;
}

/** One run: one seed of the reference, or the app's run. */
export interface RunView {
  seed?: number;
  /** The first arm is the baseline the others are compared with. */
  arms: ArmView[];
  /** The arm the headline shows after the baseline (TTPA when present). */
  headline?: string;
  /**
   * The headline arm against its control on the same turns, when the run has one: continued SFT on the same prompts
   * and steps (the same training without the preference term), else the NLL control. fixed: the control wrong and
   * the headline arm right; broken: the reverse.
   */
  control?: { key: string; short: string; vs: PairedView };
  curves: { label: string; points: MetricPoint[] }[];
  /** Extra report lines (the goal check, the control) when the source has them. */
  notes: string[];
}

export interface ClassroomData {
  /** One line saying where the numbers come from. */
  source: string;
  /** What the reference's bundler says a reader must know that its runs cannot say (a later measurement). */
  caveat?: string;
  kind: 'reference' | 'app';
  runs: RunView[];
  /** Across the runs, when there are several (seeds of the reference). */
  seeds?: SeedsSummary;
  /** The token-level teaching details (of one run) and the samples they come from. */
  details: SamplePairs[];
  samples: Record<string, Sample>;
}

/** Names of the arms the CLI writes today; an arm not listed here shows under its own key. */
const ARM_LABELS: Record<string, string> = {
  sft: 'SFT (before preference training)', sequence: 'sequence-level DPO', token: 'TTPA (token-level DPO)', ttpa: 'TTPA (token-level DPO)',
  control: 'control: NLL on TTPA chosen only', rft: 'rejection-sampling fine-tuning', 'sft-continued': 'SFT continued',
};
const ARM_SHORT: Record<string, string> = { sft: 'the start model', start: 'the start model', warmup: 'the warm-up model', token: 'TTPA', ttpa: 'TTPA', sequence: 'sequence DPO', control: 'the control', 'sft-continued': 'continued SFT', rft: 'RFT' };
/** The arm that isolates the preference term, best first: the same training without it, then its chosen side's NLL alone. */
const CONTROLS = ['sft-continued', 'control'];
export const armLabel = (key: string): string => ARM_LABELS[key] ?? key;

/** The bundle format scripts/reference_runs.ts writes (BUNDLE_FORMAT there); a bundle without one is the older single-run layout. */
export const BUNDLE_FORMAT = 'ttpa-reference/2';
const REBUILD = 'rebuild it with node scripts/bundle_reference.mjs <run folders>';

interface ReportArm {
  errorRate: number; meanEsm: number; turns: number; errorRates?: Record<string, number>; ci?: [number, number];
  rounds?: { round: number; valErrorRate: number }[]; selectedRound?: number;
}
/** A single-round report (arms.sft is the start) or a loop report (kind 'loop', `start` plus the arms). */
interface BundleReport {
  kind?: string; preset: string; seed: number; wallMs: number; start?: ReportArm;
  arms: Record<string, ReportArm | undefined>;
  goal?: { met: boolean; relativeErrorReduction: number; target?: number; beatsEveryArm?: boolean; armsNotRun?: string[] };
  /** Loop reports with loop.passAtKAllModels: each model's pass@k beside greedy, and TTPA's against each arm. */
  headroomAfter?: { k: number; temperature: number; models: Record<string, HeadroomRow>; ttpaVs?: Record<string, { aWins: number; bWins: number; p: number } | undefined> };
}
interface BundleRun {
  report: BundleReport;
  /** Format 2: per model, '1'/'0' per test turn. */
  exact?: Record<string, string>;
  /** The single-run layout: per model, one object per test turn. */
  perTurn?: Record<string, { exact: boolean }[]>;
  curves?: Record<string, MetricPoint[]>;
}
interface Teaching { note: string; details: SamplePairs[]; samples: Sample[] }

/** The bundle as scripts/bundle_reference.ts writes it (only the fields read here); older single-run bundles too. */
export type ReferenceBundle =
  | { format: string; caveat?: string; runs: BundleRun[]; teaching: Teaching }
  | (BundleRun & { source: { note: string }; details: SamplePairs[]; samples: Sample[] });

/** The runs and teaching details of either layout, or an error saying what is wrong with the file. */
function readBundle(raw: unknown): { runs: BundleRun[]; teaching: Teaching; caveat?: string } {
  if (!raw || typeof raw !== 'object') throw new Error(`the reference bundle is not a JSON object; ${REBUILD}`);
  const b = raw as Partial<{ format: string; caveat: unknown; runs: BundleRun[]; teaching: Teaching; report: BundleReport; source: { note: string }; details: SamplePairs[]; samples: Sample[] }>;
  if (b.format !== undefined && b.format !== BUNDLE_FORMAT) throw new Error(`the reference bundle has format '${b.format}', this app reads '${BUNDLE_FORMAT}'; ${REBUILD}`);
  if (b.format === undefined && b.report) {
    return { runs: [b as BundleRun], teaching: { note: b.source?.note ?? 'details of the run', details: b.details ?? [], samples: b.samples ?? [] } };
  }
  if (!Array.isArray(b.runs) || !b.runs.length) throw new Error(`the reference bundle holds no runs (neither runs[] nor a single run's report); ${REBUILD}`);
  b.runs.forEach((r, i) => {
    if (!r?.report?.arms) throw new Error(`the reference bundle's runs[${i}] has no report.arms; ${REBUILD}`);
  });
  if (!b.teaching) throw new Error(`the reference bundle has no teaching details (teaching); ${REBUILD}`);
  if (b.caveat !== undefined && typeof b.caveat !== 'string') throw new Error(`the reference bundle's caveat must be text, got ${typeof b.caveat}; ${REBUILD}`);
  return { runs: b.runs, teaching: b.teaching, ...(b.caveat ? { caveat: b.caveat } : {}) };
}

function armView(key: string, a: ReportArm, exact: boolean[] | undefined, first: boolean[] | undefined): ArmView {
  const interval = a.ci ?? wilsonInterval(Math.round(a.errorRate * a.turns), a.turns);
  let vsFirst: PairedView | undefined;
  if (first && exact && first !== exact && first.length === exact.length) {
    const c = pairedChange(first, exact);
    vsFirst = { ...c, p: mcnemarExact(c.fixed, c.broken) };
  }
  return {
    key, label: armLabel(key), short: ARM_SHORT[key] ?? armLabel(key), errorRate: a.errorRate, interval, intervalMethod: a.ci ? 'bootstrap' : 'Wilson',
    meanEsm: a.meanEsm, turns: a.turns, errorRates: a.errorRates ?? {}, vsFirst, rounds: a.rounds, selectedRound: a.selectedRound,
  };
}

const headlineOf = (arms: ArmView[]): string | undefined => arms.find((a) => a.key === 'token' || a.key === 'ttpa')?.key ?? arms[1]?.key;

function controlOf(arms: ArmView[], headline: string, exact: Record<string, boolean[] | undefined>): RunView['control'] {
  const key = CONTROLS.find((k) => k !== headline && arms.some((a) => a.key === k));
  const [mine, theirs] = [exact[headline], key ? exact[key] : undefined];
  if (!key || !mine || !theirs || mine.length !== theirs.length) return undefined;
  const c = pairedChange(theirs, mine);
  return { key, short: arms.find((a) => a.key === key)!.short, vs: { ...c, p: mcnemarExact(c.fixed, c.broken) } };
}

function runView(r: BundleRun): RunView {
  const listed = Object.entries(r.report.arms).filter((e): e is [string, ReportArm] => !!e[1]);
  // A loop report keeps the starting model apart from the arms; it is the baseline either way (eval/sft).
  const all: [string, ReportArm][] = r.report.start && !r.report.arms.sft ? [['sft', r.report.start], ...listed] : listed;
  const exactOf = (key: string): boolean[] | undefined => r.exact?.[key]?.split('').map((c) => c === '1') ?? r.perTurn?.[key]?.map((t) => t.exact);
  const exact = Object.fromEntries(all.map(([key]) => [key, exactOf(key)]));
  const arms = all.map(([key, a]) => armView(key, a, exact[key], exact[all[0][0]]));
  const goal = r.report.goal;
  const headline = headlineOf(arms);
  return {
    seed: r.report.seed, arms, headline, control: headline ? controlOf(arms, headline, exact) : undefined,
    curves: Object.entries(r.curves ?? {}).map(([k, points]) => ({ label: armLabel(k), points })),
    notes: [
      ...(goal ? [r.report.kind === 'loop' ? loopGoalNote(r.report, goal) : `The project's goal (TTPA cuts the SFT error rate by 30% relative) is ${goal.met ? 'met' : 'not met'} in this run: relative change ${(100 * goal.relativeErrorReduction).toFixed(1)}%.`] : []),
      ...(r.report.headroomAfter ? [headroomNote(r.report.headroomAfter)] : []),
    ],
  };
}

/**
 * What the models can still sample (the loop's pass@k rows): each model's pass@k, how many of TTPA's wrong turns its
 * own samples get right, and whether the preference term changed what TTPA can sample against its control.
 */
export function headroomNote(h: NonNullable<BundleReport['headroomAfter']>): string {
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  const names = Object.keys(h.models);
  const turns = h.models[names[0]]?.turns ?? 0;
  const rates = names.map((n) => `${ARM_SHORT[n] ?? n} ${pct(h.models[n].passAtK)}`).join(', ');
  const ttpa = h.models.ttpa;
  const own = ttpa ? ` Of the ${ttpa.greedyWrong} turns TTPA gets wrong, its own samples get ${ttpa.reachable} right; the rest need the ground truth as the target.` : '';
  const key = CONTROLS.find((k) => h.ttpaVs?.[k]);
  const vs = key ? h.ttpaVs![key]! : undefined;
  const reach = vs ? ` TTPA's samples reach ${vs.aWins} turns ${ARM_SHORT[key!]}'s do not, and miss ${vs.bWins} it reaches (${formatP(vs.p)}): ${vs.p < 0.05 ? 'the preference term changed what the model can sample' : 'the preference term did not measurably change what the model can sample'}.` : '';
  return `What the models can still sample (pass@${h.k}: one of ${h.k} samples at temperature ${h.temperature} right, on ${turns.toLocaleString('en-US')} test turns): ${rates}.${own}${reach}`;
}

/**
 * The loop's goal in full: a 30% relative cut and TTPA beating every other arm with p < 0.05. Reports from before
 * the goal listed the arms not run said "met" with some arms missing; the arms are counted here, so they never do.
 */
function loopGoalNote(report: BundleReport, goal: NonNullable<BundleReport['goal']>): string {
  const notRun = goal.armsNotRun ?? ARM_NAMES.filter((a) => a !== 'ttpa' && !report.arms[a]);
  const met = goal.met && notRun.length === 0;
  const target = Math.round(100 * (goal.target ?? GOAL_RELATIVE_CUT));
  const beats = goal.beatsEveryArm === undefined ? '' : `; beats ${notRun.length ? 'the arms run' : 'every arm'} with p < 0.05: ${goal.beatsEveryArm ? 'yes' : 'no'}`;
  const missing = notRun.length ? `; not run: ${notRun.map((a) => ARM_SHORT[a] ?? a).join(', ')}` : '';
  return `The project's goal (TTPA cuts the start's error rate by ${target}% relative and beats every other arm with p < 0.05) is ${met ? 'met' : 'not met'} in this run: relative change ${(100 * goal.relativeErrorReduction).toFixed(1)}%${beats}${missing}.`;
}

/** "preset demo, seeds 1, 2, 3, 2-round loop, 35.8–44.7 min of stage time per seed on the CLI (wasm)" (report.wallMs: the stages' times summed, not wall time). */
function sourceLine(runs: BundleRun[], views: RunView[]): string {
  const first = runs[0].report;
  const seeds = runs.map((r) => r.report.seed);
  const rounds = Math.max(0, ...views.flatMap((v) => v.arms.map((a) => a.rounds?.length ?? 0)));
  const minutes = runs.map((r) => r.report.wallMs / 60000);
  const [lo, hi] = [Math.min(...minutes), Math.max(...minutes)];
  const time = lo.toFixed(1) === hi.toFixed(1) ? `${lo.toFixed(1)} min` : `${lo.toFixed(1)}–${hi.toFixed(1)} min`;
  return `preset ${first.preset}, ${seeds.length > 1 ? `seeds ${seeds.join(', ')}` : `seed ${seeds[0]}`}${first.kind === 'loop' ? `, ${rounds}-round loop` : ''}, ${time} of stage time${runs.length > 1 ? ' per seed' : ''} on the CLI (wasm)`;
}

/** The bundled reference: either layout (throws a message naming what is wrong with an unreadable one). */
export function fromReference(raw: unknown): ClassroomData {
  const { runs, teaching, caveat } = readBundle(raw);
  const views = runs.map(runView);
  return {
    kind: 'reference',
    source: `Reference run: ${sourceLine(runs, views)}; ${teaching.note}.`, ...(caveat ? { caveat } : {}),
    runs: views, seeds: views.length > 1 ? summariseSeeds(views) : undefined,
    details: teaching.details, samples: Object.fromEntries(teaching.samples.map((s) => [s.id, s])),
  };
}

/** The run made in this app: Evaluate's reports (before and after DPO), the pairs' details, the DPO curves. */
export function fromState(s: AppState): ClassroomData | undefined {
  const reports = s.evaluation?.reports ?? [];
  if (!reports.length && !s.pairs) return undefined;
  const exact = reports.map((r) => r.report.turns.map((t) => t.exact));
  const arms = reports.map((r, i) => ({
    ...armView(r.name, { errorRate: 1 - r.report.overall.exactMatch, meanEsm: r.report.overall.meanEsm, turns: r.report.overall.turns, errorRates: { ...r.report.overall.errorRates } }, exact[i], exact[0]),
    label: r.name, short: r.name,
  }));
  return {
    kind: 'app',
    source: `Your run in this app${s.evaluation ? `: ${reports[reports.length - 1]?.report.overall.turns ?? 0} test turns` : ''}${s.stages.evaluate.status === 'stale' ? ' (stale: a stage ran again since Evaluate)' : ''}.`,
    runs: [{
      arms, headline: arms[1]?.key,
      curves: s.dpo?.points.length ? [{ label: 'DPO', points: s.dpo.points }] : [],
      notes: [...(s.evaluation?.notes ?? []), ...(s.evaluation?.headroom ? [`${headroomSummary(s.evaluation.headroom)} ${headroomText(s.evaluation.headroom)}`] : [])],
    }],
    details: (s.pairs?.details ?? []).filter((d) => d.trajectory && d.pairs.length),
    samples: Object.fromEntries((s.dataset?.samples ?? []).map((x) => [x.id, x])),
  };
}
