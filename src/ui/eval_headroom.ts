// The Evaluate panel's headroom line (evaluate.passAtK > 0): what each model's own samples can still reach. Per
// model, greedy exact and pass@k on the same turns, and how many turns greedy gets wrong one of its k samples gets
// right (what a round on its own samples could teach; the rest need the ground truth as a target). With two models,
// whether the update changed what the model can sample: turns only one of them reaches, by an exact McNemar test.
import { pairedReach } from '../core/pipeline/headroom_rows.ts';
import type { HeadroomRow, PassAtK } from '../protocol.ts';
import { wilsonInterval } from './classroom/intervals.ts';
import { formatP } from './classroom/seeds.ts';

/** One evaluated model's pass@k record and its row (null when its turns could not be paired with the report). */
export interface EvalHeadroom {
  k: number;
  temperature: number;
  models: { name: string; passAtK: PassAtK; row: HeadroomRow | null }[];
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const count = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The table: a header and one row of cells per model. */
export function headroomTable(h: EvalHeadroom): { header: string[]; rows: string[][] } {
  return {
    header: ['model', 'greedy exact', `pass@1 (T ${h.temperature})`, `pass@${h.k} (95% interval)`, 'greedy-wrong turns with an exact sample'],
    rows: h.models.map(({ name, passAtK: p, row }) => {
      const passes = Math.round(p.passAtK * p.turns);
      const [lo, hi] = wilsonInterval(passes, p.turns);
      return [name, row ? pct(row.greedy) : '–', pct(p.passAt1), `${pct(p.passAtK)} (${pct(lo)}-${pct(hi)})`,
        row ? `${row.reachable} of ${row.greedyWrong}` : '–'];
    }),
  };
}

/** The table's figures as one sentence, for where there is no table (the Classroom's note on the app's run). */
export function headroomSummary(h: EvalHeadroom): string {
  const t = headroomTable(h);
  return `pass@${h.k} at temperature ${h.temperature}: ${t.rows.map(([name, greedy, , passK, reach]) => `${name} ${passK} against ${greedy} greedy exact, ${reach} greedy-wrong turns with an exact sample`).join('; ')}.`;
}

/** The sentences under the table; the paired one only for two models measured on the same turns. */
export function headroomText(h: EvalHeadroom): string {
  const first = h.models[0];
  if (!first) return '';
  const turns = first.passAtK.turns;
  const skipped = first.passAtK.skipped ? ` ${count(first.passAtK.skipped, 'turn was', 'turns were')} too long for the model's positions and left out.` : '';
  const head = `Each model sampled ${h.k} times a turn at temperature ${h.temperature} on ${count(turns, 'test turn', 'test turns')}.${skipped} `
    + `A turn greedy decoding gets wrong but one of its own samples gets right can be taught from the model's samples alone; `
    + `the others need the ground truth as the target. Preference updates on a model's own samples mostly sharpen what it can already sample, so pass@${h.k} bounds what another round of them can reach.`;
  const last = h.models[h.models.length - 1];
  const paired = h.models.length > 1 ? pairedReach(first.passAtK, last.passAtK) : null;
  if (!paired) return head;
  const { gained, lost, p } = paired;
  const verdict = gained + lost === 0 ? 'the update did not change which turns its samples reach.' : p < 0.05
    ? `it samples the right answer on ${gained > lost ? 'more' : 'fewer'} turns, beyond chance (${formatP(p)}, exact McNemar).`
    : `a difference that cannot be told from chance (${formatP(p)}, exact McNemar).`;
  return `${head} On the same turns, ${last.name}'s samples reach ${count(gained, 'turn', 'turns')} ${first.name}'s did not and miss ${count(lost, 'turn', 'turns')} they reached: ${verdict}`;
}
