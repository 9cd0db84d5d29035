/**
 * KV-cache bytes (estimation.md §1): per token per layer for each attention type, per device under tensor
 * parallelism, and per sequence once sliding windows and recurrent state are accounted for.
 */
import { type KvDtype } from './dtypes.js';
import { countKinds, type LayerKind, type ModelShape } from './shape.js';

/**
 * KV heads one rank holds. vLLM splits heads across TP ranks and replicates them when TP exceeds them:
 * `max(1, n_kv // TP)` (estimation.md §1.2).
 */
export function kvHeadsPerRank(nKv: number, tp: number): number {
  return tp <= 1 ? nKv : Math.max(1, Math.floor(nKv / tp));
}

/**
 * Bytes per token of one attention layer on one device.
 * - standard attention: n_kv_rank × (d_k + d_v) × bytes
 * - MLA: one latent of (kv_lora_rank + qk_rope_head_dim) elements, the same on every TP rank (not sharded).
 */
export function layerBytesPerToken(s: ModelShape, kv: KvDtype, tp: number): number {
  if (s.mla) return (s.mla.kvLoraRank + s.mla.qkRopeHeadDim) * kv.bytesPerElement;
  return kvHeadsPerRank(s.kvHeads, tp) * (s.headDim + s.headDimV) * kv.bytesPerElement;
}

/** Recurrent state bytes per layer per sequence; kept in the model dtype (vLLM `mamba_ssm_cache_dtype` auto). */
export function linearStateBytes(s: ModelShape, stateBytesPerElement: number, tp: number): number {
  if (!s.linear) return 0;
  return (s.linear.stateElements * stateBytesPerElement) / Math.max(1, tp);
}

export interface KvFootprint {
  /** Per device, per token, every attention layer counted (the cost of one more token of a short sequence). */
  bytesPerToken: number;
  /** Same, whole model without tensor parallelism. */
  bytesPerTokenModel: number;
  /** Per device: full-attention layers only (what grows without bound). */
  fullBytesPerToken: number;
  /** Per device: sliding-window layers only. */
  slidingBytesPerToken: number;
  /** Per device: constant recurrent state per sequence. */
  stateBytesPerSequence: number;
  layersByKind: Record<LayerKind, number>;
}

export function kvFootprint(s: ModelShape, kv: KvDtype, tp: number, stateBytesPerElement: number): KvFootprint {
  const perLayer = layerBytesPerToken(s, kv, tp);
  const perLayerModel = layerBytesPerToken(s, kv, 1);
  const layersByKind = countKinds(s);
  const attn = layersByKind.full + layersByKind.sliding;
  return {
    bytesPerToken: perLayer * attn,
    bytesPerTokenModel: perLayerModel * attn,
    fullBytesPerToken: perLayer * layersByKind.full,
    slidingBytesPerToken: perLayer * layersByKind.sliding,
    stateBytesPerSequence: linearStateBytes(s, stateBytesPerElement, tp) * layersByKind.linear,
    layersByKind,
  };
}

/**
 * Bytes one sequence of `tokens` holds on one device: full layers keep every token, sliding layers at most
 * `window` (as the engine counts it), recurrent layers a constant state.
 */
export function sequenceBytes(f: KvFootprint, tokens: number, slidingTokens: (tokens: number) => number): number {
  return f.fullBytesPerToken * tokens + f.slidingBytesPerToken * slidingTokens(tokens) + f.stateBytesPerSequence;
}
