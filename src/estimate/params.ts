/**
 * Parameter counts from a model shape (estimation.md §2.1). The formula reproduces published totals exactly for
 * Llama, Qwen2/2.5/3, Mistral, Gemma-2, Phi-3 and GPT-NeoX (test/estimate/params.test.ts).
 */
import { type ModelShape } from './shape.js';

export interface ParamCounts {
  total: number;
  /** Per token: MoE counts only the top-k routed experts plus shared ones. */
  active: number;
  /** Input embedding (V·H). */
  embedding: number;
  /** Output head: 0 when tied to the embedding. */
  lmHead: number;
  /** Routed-expert parameters (all experts), for MoE weight-read estimates. */
  routedExperts: number;
  /** active minus the input embedding (a lookup, not a matmul): the 2·N of the FLOPs count. */
  activeMatmul: number;
}

function attentionParams(s: ModelShape): number {
  const H = s.hidden;
  if (s.mla) {
    const m = s.mla;
    const qk = m.qkNopeHeadDim + m.qkRopeHeadDim;
    const q = m.qLoraRank > 0 ? H * m.qLoraRank + m.qLoraRank + m.qLoraRank * s.heads * qk : H * s.heads * qk;
    return q + H * (m.kvLoraRank + m.qkRopeHeadDim) + m.kvLoraRank + m.kvLoraRank * s.heads * (m.qkNopeHeadDim + m.vHeadDim) + s.heads * m.vHeadDim * H;
  }
  const qOut = s.heads * s.headDim * (s.attnOutputGate ? 2 : 1);
  const kOut = s.kvHeads * s.headDim;
  const vOut = s.kvHeads * s.headDimV;
  let p = H * (qOut + kOut + vOut) + s.heads * s.headDimV * H;
  if (s.qkvBias || s.linearBias) p += qOut + kOut + vOut;
  if (s.linearBias) p += H;
  if (s.qkNorm) p += 2 * s.headDim;
  return p;
}

function denseMlpParams(s: ModelShape, I: number): number {
  const H = s.hidden;
  return (s.gatedMlp ? 3 : 2) * H * I + (s.linearBias ? I + H : 0);
}

export function countParams(s: ModelShape): ParamCounts {
  const H = s.hidden;
  const normW = s.normBias ? 2 : 1;
  const attn = attentionParams(s);
  let total = 0;
  let active = 0;
  let routedExperts = 0;
  s.layerKinds.forEach((kind, i) => {
    const mixer = kind === 'linear' && s.linear ? s.linear.params : attn;
    const norms = s.normsPerLayer * H * normW;
    let mlpTotal: number;
    let mlpActive: number;
    const moe = s.moe;
    if (!moe || i < moe.firstDenseLayers) {
      mlpTotal = mlpActive = denseMlpParams(s, s.intermediate);
    } else {
      const expert = 3 * H * moe.expertIntermediate;
      const shared = moe.sharedExperts * 3 * H * moe.sharedIntermediate + (moe.sharedGate ? H : 0);
      const router = H * moe.experts + (moe.routerBias ? moe.experts : 0);
      mlpTotal = moe.experts * expert + shared + router;
      mlpActive = moe.topK * expert + shared + router;
      routedExperts += moe.experts * expert;
    }
    total += mixer + norms + mlpTotal;
    active += mixer + norms + mlpActive;
  });
  const embedding = s.vocab * H;
  const lmHead = s.tiedEmbeddings ? 0 : s.vocab * H;
  const tail = embedding + lmHead + H * normW;
  const counts: ParamCounts = {
    total: total + tail,
    active: active + tail,
    embedding,
    lmHead,
    routedExperts,
    activeMatmul: active + tail - embedding,
  };
  // A GGUF header lists every tensor: its exact count replaces the derived one (MoE split stays derived).
  if (s.exact) {
    const scale = s.exact.params / counts.total;
    return { ...counts, total: s.exact.params, active: Math.round(counts.active * scale), activeMatmul: Math.round(counts.activeMatmul * scale) };
  }
  return counts;
}
