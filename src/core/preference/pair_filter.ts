// Which preference pairs a DPO run trains on (dpo.pairFilter), read from each pair's `ttpa` metadata
// (trl_export.ts): the rules, a filter over in-memory pair records and one over TRL JSONL lines. Pure: no fs.
// TRL has no such setting; it is ours.

export type PairFilter = 'all' | 'correct-chosen' | 'error-fix' | 'base-rejected' | 'one-per-turn' | 'in-turn';

/** The `ttpa` metadata fields the rules read (trl_export.ts's TtpaPairInfo). */
export interface PairMeta {
  kind: string;
  chosen_esm: number;
  chosen_source: string;
  rejected_source: string;
  /** one-per-turn reads these too. */
  sample_id?: string;
  turn_index?: number;
  margin?: number;
  ref_rejected_logps?: number;
}

/** What the filter reads of a pair: a TRL record's prompt (in-turn: it ends in a partial assistant message) and metadata. */
export interface FilterablePair {
  prompt: readonly { role: string }[];
  ttpa?: Partial<PairMeta>;
}

/**
 * all: every pair;
 * correct-chosen: the chosen side is an exact call (ESM 1), so the NLL term never trains on a wrong call;
 * error-fix: pairs that correct the policy (ground truth against it, or a branch chosen over its greedy output);
 * base-rejected: error-fix without the truth-walk pairs (whose rejected side continues a ground-truth prefix): of the
 * token pairs, those whose rejected side is the policy's own decoding of the turn (the base trajectory, greedy by
 * default); whole-turn pairs (turn, sequence) pass, as in error-fix;
 * one-per-turn: of each assistant turn's pairs, the one with the largest ESM margin (ties: the less likely rejected
 * side under the reference when recorded, then the first), so every turn weighs the same;
 * in-turn: pairs that diverge inside an assistant turn (the prompt ends with its shared prefix), leaving out those
 * whose first token already differs: whether to call a tool at all.
 */
export const FILTERS: Readonly<Record<PairFilter, (m: PairMeta, promptEndsInTurn: boolean) => boolean>> = Object.freeze({
  all: () => true,
  'correct-chosen': (m: PairMeta) => m.chosen_esm >= 1 - 1e-9,
  'error-fix': (m: PairMeta) => m.kind !== 'branch' || m.rejected_source === 'base',
  'base-rejected': (m: PairMeta) => m.kind !== 'truth_walk' && (m.kind !== 'branch' || m.rejected_source === 'base'),
  'one-per-turn': () => true, // a choice within each turn's pairs: onePerTurn
  'in-turn': (_m: PairMeta, inTurn: boolean) => inTurn,
});

export const PAIR_FILTERS = Object.freeze(Object.keys(FILTERS)) as readonly PairFilter[];

export const isPairFilter = (v: unknown): v is PairFilter => typeof v === 'string' && (PAIR_FILTERS as readonly string[]).includes(v);

/** The metadata problem of a pair (undefined: the rules can read it). */
function metaProblem(pair: FilterablePair): string | undefined {
  const m = pair.ttpa;
  if (!m || typeof m !== 'object') return 'no ttpa metadata (pairs from ttpa pairs or a loop round are needed)';
  if (typeof m.kind !== 'string' || typeof m.chosen_esm !== 'number' || typeof m.rejected_source !== 'string') {
    return 'ttpa metadata without kind, chosen_esm and rejected_source (pairs from ttpa pairs or a loop round are needed)';
  }
  if (!Array.isArray(pair.prompt) || pair.prompt.length === 0) return '"prompt" must be a non-empty list of messages';
  return undefined;
}

/** Whether `filter` keeps `pair`; `where` names it in the error for a pair the rules cannot read. */
export function keepsPair(filter: PairFilter, pair: FilterablePair, where: string): boolean {
  const rule = FILTERS[filter];
  if (!rule) throw new Error(`${filter}: unknown pair filter (${PAIR_FILTERS.join(', ')})`);
  const problem = metaProblem(pair);
  if (problem) throw new Error(`${where}: ${problem}`);
  return rule(pair.ttpa as PairMeta, pair.prompt[pair.prompt.length - 1].role === 'assistant');
}

/**
 * The records `filter` keeps, in their order. 'all' returns every record unread (a plain TRL file without metadata
 * trains as before); the others need every record's metadata and name the first without it (`name` pair N).
 */
export function filterPairRecords<R extends FilterablePair>(records: readonly R[], filter: PairFilter, name = 'pairs'): R[] {
  return pickIndices(records, filter, (i) => `${name} pair ${i + 1}`).map((i) => records[i]);
}

/** The indices of the records `filter` keeps, ascending; `where(i)` names record i in errors. */
function pickIndices(records: readonly FilterablePair[], filter: PairFilter, where: (i: number) => string): number[] {
  const all = records.map((_, i) => i);
  if (filter === 'all') return all;
  const kept = all.filter((i) => keepsPair(filter, records[i], where(i)));
  return filter === 'one-per-turn' ? onePerTurn(records, kept, where) : kept;
}

/** Of `kept`, each turn's largest-margin pair (ties: the lower ref_rejected_logps when both have one, then the first). */
function onePerTurn(records: readonly FilterablePair[], kept: number[], where: (i: number) => string): number[] {
  const best = new Map<string, number>();
  for (const i of kept) {
    const m = records[i].ttpa as PairMeta;
    if (typeof m.sample_id !== 'string' || typeof m.turn_index !== 'number' || typeof m.margin !== 'number') {
      throw new Error(`${where(i)}: ttpa metadata without sample_id, turn_index and margin (one-per-turn groups the pairs by turn)`);
    }
    const key = JSON.stringify([m.sample_id, m.turn_index]);
    const j = best.get(key);
    if (j === undefined || beats(m, records[j].ttpa as PairMeta)) best.set(key, i);
  }
  return [...best.values()].sort((a, b) => a - b);
}

function beats(a: PairMeta, b: PairMeta): boolean {
  if (a.margin! !== b.margin!) return a.margin! > b.margin!;
  return a.ref_rejected_logps !== undefined && b.ref_rejected_logps !== undefined && a.ref_rejected_logps < b.ref_rejected_logps;
}

/** The lines of a pairs JSONL the filter keeps (every line needs metadata, 'all' too); `file` names the input in errors. */
export function filterPairLines(text: string, filter: PairFilter, file: string): string[] {
  const lines: { text: string; number: number; pair: FilterablePair }[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      lines.push({ text: line, number: i + 1, pair: JSON.parse(line) as FilterablePair });
    } catch (err) {
      throw new Error(`${file} line ${i + 1}: not valid JSON (${(err as Error).message})`);
    }
  });
  if (filter === 'all') {
    for (const l of lines) keepsPair('all', l.pair, `${file} line ${l.number}`); // every line needs the metadata, 'all' too
    return lines.map((l) => l.text);
  }
  return pickIndices(lines.map((l) => l.pair), filter, (i) => `${file} line ${lines[i].number}`).map((i) => lines[i].text);
}

/** How many pairs a filter kept, for run notes and logs: "3,613 of 7,177 pairs kept by error-fix". */
export function pairFilterNote(filter: PairFilter, kept: number, of: number): string {
  return filter === 'all' ? `${of.toLocaleString('en-US')} pairs (pair filter: all)` : `${kept.toLocaleString('en-US')} of ${of.toLocaleString('en-US')} pairs kept by ${filter}`;
}
