// FLOP counts the benchmark divides by: the 6·N per trained token (Kaplan et al. 2020, eq. 2.1),
// and the attention term PaLM's MFU adds (Chowdhury et al. 2022, app. B: 6·L·T·C per token for QK^T and AV).
import type { ModelConfig } from '../model/config.ts';
import { countParams } from '../model/params.ts';

/** Training FLOPs per token counted as 6 x parameters (forward 2N + backward 4N). */
export function trainFlopsPerToken(c: ModelConfig): number {
  return 6 * countParams(c);
}

/** Training FLOPs per token with the attention products of a causal sequence of length T (mean key length T/2). */
export function trainFlopsPerTokenWithAttention(c: ModelConfig, T: number): number {
  return trainFlopsPerToken(c) + 6 * c.num_hidden_layers * T * c.hidden_size;
}

/** Model FLOPs utilisation: achieved model FLOP/s as a fraction of the ceiling (GFLOP/s). */
export function flopsUtilisation(flopsPerToken: number, tokensPerSec: number, ceilingGflops: number): number {
  return (flopsPerToken * tokensPerSec) / (ceilingGflops * 1e9);
}
