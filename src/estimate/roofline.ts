/**
 * Roofline upper bounds (estimation.md §4). A step takes at least max(bytes / bandwidth, FLOPs / peak FLOP/s).
 *
 * Decode, batch B at context s, per device:
 *   bytes = weights read (MoE: experts touched by B tokens) + B × KV(s)
 *   FLOPs = B × (2 × N_active_matmul + 4 × L_attn × n_q × d × s) / shards     (QKᵀ and PV, 2 FLOPs per MAC)
 * Prefill of S tokens (causal, FlashAttention skips the masked half):
 *   FLOPs = 2 × N_active_matmul × S + 2 × L_attn × n_q × d × S²
 * N_active_matmul counts the lm_head once per token (logits for every token: the upper bound for prefill is
 * then slightly pessimistic, which is the safe side for a bound).
 */
import { type ParamCounts } from './params.js';
import { type ModelShape } from './shape.js';

export type Bound = 'memory' | 'compute';

export interface RooflineInput {
  shape: ModelShape;
  params: ParamCounts;
  /** Weight bytes one step reads on one device at batch B. */
  weightBytesRead: (batch: number) => number;
  /** KV bytes one sequence holds at `tokens` on one device. */
  kvBytes: (tokens: number) => number;
  /** Devices sharing one step's work (TP ranks, or llama.cpp layer split: 1 at a time). */
  shards: number;
  bandwidth: number;
  flops: number;
}

export interface DecodeBound {
  batch: number;
  step_ms: number;
  /** Tokens/s per sequence. */
  tokens_per_s: number;
  /** Tokens/s over the batch. */
  aggregate_tokens_per_s: number;
  bound: Bound;
}

/** Attention FLOPs per token per unit of context: QKᵀ + PV over every attention layer. */
function attnFlopsPerContextToken(s: ModelShape): number {
  const L = s.layerKinds.filter((k) => k !== 'linear').length;
  const dq = s.mla ? s.mla.kvLoraRank + s.mla.qkRopeHeadDim : s.headDim;
  const dv = s.mla ? s.mla.kvLoraRank : s.headDimV;
  return 2 * L * s.heads * (dq + dv);
}

export function decodeBound(r: RooflineInput, batch: number, context: number): DecodeBound {
  const b = Math.max(1, batch);
  const bytes = r.weightBytesRead(b) + b * r.kvBytes(context);
  const flops = (b * (2 * r.params.activeMatmul + attnFlopsPerContextToken(r.shape) * context)) / r.shards;
  const tMem = bytes / r.bandwidth;
  const tCompute = flops / r.flops;
  const t = Math.max(tMem, tCompute);
  return { batch: b, step_ms: t * 1000, tokens_per_s: 1 / t, aggregate_tokens_per_s: b / t, bound: tMem >= tCompute ? 'memory' : 'compute' };
}

export interface PrefillBound {
  tokens: number;
  time_ms: number;
  tokens_per_s: number;
  bound: Bound;
}

export function prefillFlops(s: ModelShape, p: ParamCounts, tokens: number): number {
  return 2 * p.activeMatmul * tokens + (attnFlopsPerContextToken(s) / 2) * tokens * tokens;
}

export function prefillBound(r: RooflineInput, tokens: number): PrefillBound {
  const S = Math.max(1, tokens);
  const tCompute = prefillFlops(r.shape, r.params, S) / r.shards / r.flops;
  const tMem = (r.weightBytesRead(S) + r.kvBytes(S)) / r.bandwidth;
  const t = Math.max(tMem, tCompute);
  return { tokens: S, time_ms: t * 1000, tokens_per_s: S / t, bound: tMem >= tCompute ? 'memory' : 'compute' };
}

/** Decode FLOPs per generated token at context s (whole model), for MFU. */
export function decodeFlopsPerToken(s: ModelShape, p: ParamCounts, context: number): number {
  return 2 * p.activeMatmul + attnFlopsPerContextToken(s) * context;
}
