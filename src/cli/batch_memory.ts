// A plain-words refusal of batch settings whose logits alone cannot fit in memory, before the backend
// fails with "memory access out of bounds" (wasm) or a stack overflow. An estimate, not a measurement.
import { UsageError } from './args.ts';

/** What one tfjs tensor can hold on the wasm/cpu backends here (wasm memory tops out at 4 GiB in all). */
const MAX_TENSOR_BYTES = 2 ** 31;

/** Refuses `sequences` x `seqLen` x `vocab` float32 logits over 2 GiB, naming the flags to change. */
export function checkBatchMemory(sequences: number, seqLen: number, vocab: number, flags: string): void {
  const bytes = sequences * seqLen * vocab * 4;
  if (bytes > MAX_TENSOR_BYTES) {
    throw new UsageError(`${flags}: one micro-batch's logits (${sequences} sequences x ${seqLen} tokens x ${vocab} vocabulary x 4 bytes = ${(bytes / 2 ** 30).toFixed(1)} GiB) exceed the 2 GiB a tensor can hold; lower them (--grad-accum keeps the effective batch)`);
  }
}
