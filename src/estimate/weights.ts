/**
 * Weight bytes (estimation.md §2): params × bits of the dtype, with embeddings and lm_head left in 16 bit for
 * HF-quantized checkpoints; a GGUF header gives the exact stored bytes instead. Sharding (§2.4): tensor
 * parallelism splits linear layers and the vocabulary across ranks, llama.cpp splits whole layers across devices;
 * both divide the total evenly (norms and routers, replicated, are negligible).
 */
import { type WeightDtype } from './dtypes.js';
import { type ParamCounts } from './params.js';
import { type ModelShape } from './shape.js';

export interface WeightBytes {
  total: number;
  /** Average bytes per parameter over the whole checkpoint. */
  bytesPerParam: number;
  dtype: string;
  /** True when the figure is the GGUF tensor table's, not an estimate. */
  exact: boolean;
}

export function weightBytes(s: ModelShape, p: ParamCounts, dtype: WeightDtype | null): WeightBytes {
  if (s.exact && !dtype) {
    return { total: s.exact.weightBytes, bytesPerParam: s.exact.weightBytes / s.exact.params, dtype: s.exact.fileType ?? 'gguf', exact: true };
  }
  const d = dtype!;
  const vocabParams = p.embedding + p.lmHead;
  const rest = p.total - vocabParams;
  const total = Math.ceil(rest * (d.bits / 8) + vocabParams * (d.embeddings16 ? 2 : d.bits / 8));
  return { total, bytesPerParam: total / p.total, dtype: d.name, exact: false };
}

/**
 * Expected distinct routed experts touched per MoE layer by a batch of B tokens under uniform routing:
 * E × (1 − (1 − k/E)^B) (estimation.md §4.1). B = 1 reads k experts; large batches read them all.
 */
export function expertsTouched(experts: number, topK: number, batch: number): number {
  return experts * (1 - Math.pow(1 - topK / experts, Math.max(1, batch)));
}

/** Weight bytes one decode step reads on one device at batch B (all weights for dense models). */
export function weightBytesReadPerStep(s: ModelShape, p: ParamCounts, w: WeightBytes, batch: number, shards: number): number {
  const all = w.total / shards;
  if (!s.moe || p.routedExperts === 0) return all;
  const fraction = expertsTouched(s.moe.experts, s.moe.topK, batch) / s.moe.experts;
  const expertBytes = (p.routedExperts * w.bytesPerParam) / shards;
  return all - expertBytes * (1 - fraction);
}
