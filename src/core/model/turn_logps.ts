// Teacher-forced log-probs of every assistant turn's ground truth: per target token, log p(truth) and the largest
// log p of any other token, from one forward pass per sample (right-padded batches, sorted by length). Up to the
// turn's end token (decoding stops there). scoring/first_miss.ts reads where greedy decoding would first leave the
// truth from these; the loop's firstmiss stages and scripts/first_miss.ts run it over checkpoints.
import { renderSegments } from '../data/chat_format.ts';
import type { Sample } from '../data/sample.ts';
import type { TurnLogps } from '../scoring/first_miss.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { tf } from '../runtime/tf.ts';
import { forward } from './model.ts';
import type { Model } from './params.ts';

/** Most logits one batch holds ([B, T, V] float32: 128 MB), so a large vocabulary takes fewer samples at a time. */
const MAX_LOGITS = 2 ** 25;

interface EncodedTurns {
  id: string;
  ids: number[];
  turns: { turn: number; call: boolean; from: number; to: number }[];
}

/** Token ids as SFT encodes them (segment by segment) and each assistant turn's target range [from, to). */
function encodeTurns(s: Sample, tokenizer: Tokenizer): EncodedTurns {
  const ids: number[] = [];
  const turns: EncodedTurns['turns'] = [];
  const assistant = s.messages.flatMap((m, i) => (m.role === 'assistant' ? [i] : []));
  let k = 0;
  for (const seg of renderSegments(s.messages, s.tools, { template: tokenizer.chatTemplate, extra: tokenizer.templateVars })) {
    const segIds = tokenizer.encode(seg.text);
    if (seg.train) {
      const turn = assistant[k++];
      const end = segIds.indexOf(tokenizer.eosTokenId); // the template's newline after it is never generated
      turns.push({ turn, call: (s.messages[turn].tool_calls?.length ?? 0) > 0, from: ids.length, to: ids.length + (end < 0 ? segIds.length : end + 1) });
    }
    ids.push(...segIds);
  }
  return { id: s.id, ids, turns };
}

/**
 * Every assistant turn of `samples` (those that fit the model's positions; `skipped` counts the rest), in sample
 * order by length. Plain arrays out; every tensor is disposed.
 */
export async function turnLogps(model: Model, tokenizer: Tokenizer, samples: readonly Sample[], opts: { batchSize?: number } = {}): Promise<{ turns: TurnLogps[]; skipped: number }> {
  const all = samples.map((s) => encodeTurns(s, tokenizer));
  const encoded = all.filter((e) => e.ids.length <= model.config.max_position_embeddings);
  const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].ids.length - encoded[b].ids.length);
  const batch = opts.batchSize ?? 8;
  const vocab = model.config.vocab_size;
  const out: TurnLogps[] = [];
  for (let at = 0; at < order.length;) {
    // Up to `batch` samples, fewer when [B, T, V] would pass MAX_LOGITS (sorted by length: the last is the longest).
    let n = 1;
    while (n < batch && at + n < order.length && (n + 1) * encoded[order[at + n]].ids.length * vocab <= MAX_LOGITS) n++;
    const group = order.slice(at, at + n).map((i) => encoded[i]);
    at += n;
    const T = Math.max(...group.map((e) => e.ids.length)) - 1;
    const rows = group.map((e) => Array.from({ length: T + 1 }, (_, t) => e.ids[t] ?? tokenizer.padTokenId));
    const [truth, other] = tf.tidy(() => {
      const inputs = tf.tensor2d(rows.map((r) => r.slice(0, T)), [group.length, T], 'int32'); // [B, T]
      const targets = tf.tensor2d(rows.map((r) => r.slice(1)), [group.length, T], 'int32'); // [B, T]
      const logp = tf.logSoftmax(forward(model, inputs)); // [B, T, V]; right padding never reaches earlier positions
      const hot = tf.oneHot(targets, logp.shape[2]); // [B, T, V]
      return [tf.sum(tf.mul(logp, hot), -1), tf.max(tf.add(logp, tf.mul(hot, -1e9)), -1)]; // [B, T] each
    });
    const [tv, ov] = [(await truth.array()) as number[][], (await other.array()) as number[][]];
    tf.dispose([truth, other]);
    group.forEach((e, b) => {
      // target token j is predicted at position j - 1
      for (const t of e.turns) out.push({ sampleId: e.id, turn: t.turn, call: t.call, truth: tv[b].slice(t.from - 1, t.to - 1), bestOther: ov[b].slice(t.from - 1, t.to - 1) });
    });
  }
  return { turns: out, skipped: all.length - encoded.length };
}
