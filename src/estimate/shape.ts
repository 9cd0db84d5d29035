/**
 * The model shape every estimate works from, whatever it was read from (HF config.json, GGUF header, preset).
 * Notation follows docs/estimate.md: L layers, H hidden size, n_q / n_kv heads, d head dim, I FFN size, V vocab.
 */

/** What a layer keeps per token: full attention, a sliding window, a constant recurrent state, or nothing. */
export type LayerKind = 'full' | 'sliding' | 'linear';

export interface MoeShape {
  experts: number;
  /** Experts routed per token (`num_experts_per_tok`). */
  topK: number;
  /** FFN size of one routed expert. */
  expertIntermediate: number;
  sharedExperts: number;
  /** FFN size of one shared expert (DeepSeek: moe_intermediate_size; Qwen3-Next: shared_expert_intermediate_size). */
  sharedIntermediate: number;
  /** Qwen-style sigmoid gate on the shared expert (H parameters). */
  sharedGate: boolean;
  /** Layers that stay dense (DeepSeek `first_k_dense_replace`), counted from the first layer. */
  firstDenseLayers: number;
  /** Router has an E-sized bias (DeepSeek-V3 `e_score_correction_bias`). */
  routerBias: boolean;
}

export interface MlaShape {
  kvLoraRank: number;
  /** 0 when queries are not low-rank (DeepSeek-V2-Lite). */
  qLoraRank: number;
  qkRopeHeadDim: number;
  qkNopeHeadDim: number;
  vHeadDim: number;
}

/** Recurrent-layer state (Mamba, Gated DeltaNet), constant per sequence. */
export interface LinearShape {
  kind: 'gated-deltanet' | 'mamba';
  /** State elements per layer per sequence (recurrent + conv), estimation.md §1.5. */
  stateElements: number;
  /** Parameters per linear layer (replaces the attention block), when known. */
  params: number;
}

export interface ModelShape {
  name: string;
  source: 'hf-config' | 'gguf' | 'preset';
  /** Architecture family: llama, qwen2, qwen3, gemma2, gpt_neox, deepseek_v3, qwen3_moe, mixtral, ... */
  arch: string;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  /** K head dim; V head dim can differ (headDimV). */
  headDim: number;
  headDimV: number;
  intermediate: number;
  vocab: number;
  tiedEmbeddings: boolean;
  /** q, k, v biases (Qwen2/2.5). */
  qkvBias: boolean;
  /** Per-head q/k RMSNorm (Qwen3): 2·d params per layer. */
  qkNorm: boolean;
  /** SwiGLU/GeGLU (3 matrices) vs a plain 2-matrix MLP (GPT-NeoX). */
  gatedMlp: boolean;
  /** Norm weights per layer (2 for Llama, 4 for Gemma-2/3); LayerNorm with bias doubles via normBias. */
  normsPerLayer: number;
  normBias: boolean;
  /** Biases on every linear layer (GPT-NeoX/pythia). */
  linearBias: boolean;
  /** Gated attention output (Qwen3-Next): q_proj is twice as wide. */
  attnOutputGate: boolean;
  moe: MoeShape | null;
  mla: MlaShape | null;
  linear: LinearShape | null;
  /** One entry per layer. */
  layerKinds: LayerKind[];
  slidingWindow: number | null;
  maxContext: number | null;
  /** Native dtype of the checkpoint (`torch_dtype`), used when --dtype is not given. */
  nativeDtype: string | null;
  /** Exact figures when the source lists its tensors (GGUF); they replace the config-derived counts. */
  exact: { params: number; weightBytes: number; fileType: string | null; typeHistogram: Record<string, number> } | null;
}

export function countKinds(s: ModelShape): Record<LayerKind, number> {
  const out: Record<LayerKind, number> = { full: 0, sliding: 0, linear: 0 };
  for (const k of s.layerKinds) out[k]++;
  return out;
}
