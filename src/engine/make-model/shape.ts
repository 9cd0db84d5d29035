/**
 * The shape of a llama-architecture model and the tensors llama.cpp expects for it.
 *
 * Tensor names and ne-order dimensions follow llama.cpp's loader for `general.architecture = "llama"`
 * (src/models/llama.cpp, llama_model_llama::load_arch_tensors, in the v0.4.0 source node-llama-cpp 3.21.1 bundles):
 * token_embd [E,V], output_norm [E], output [E,V] (absent = tied to token_embd), and per block attn_norm [E],
 * attn_q [E,H·d], attn_k [E,Hkv·d], attn_v [E,Hkv·d], attn_output [H·d,E], ffn_norm [E], then either
 * ffn_gate/ffn_up [E,F] + ffn_down [F,E] (dense) or ffn_gate_inp [E,X] + ffn_{gate,up}_exps [E,F,X] +
 * ffn_down_exps [F,E,X] (MoE, X experts). Optional biases: attn_{q,k,v,output}.bias, ffn_{gate,up,down}.bias.
 */
import { type Problem } from '../../core/errors.js';

export interface RopeScaling {
  type: 'linear' | 'yarn';
  factor: number;
  /** Context the model was trained with before scaling (yarn). */
  originalContext?: number;
}

export interface ModelShape {
  layers: number;
  /** Embedding width E. */
  hidden: number;
  heads: number;
  kvHeads: number;
  /** Per-head width d; llama.cpp's llama arch needs the same d for K and V and rotates all of it. */
  headDim: number;
  /** Feed-forward width F (per expert for MoE). */
  ffn: number;
  /** Training context length written to `llama.context_length`. */
  context: number;
  vocab: number;
  /** 0 for a dense model. */
  experts: number;
  expertsUsed: number;
  ropeTheta: number;
  rmsEps: number;
  /** No separate output matrix: the output projection reuses token_embd (tie_word_embeddings). */
  tiedEmbeddings: boolean;
  qkvBias: boolean;
  outBias: boolean;
  mlpBias: boolean;
  ropeScaling?: RopeScaling;
}

/** What a tensor is for decides its storage type and initial values. */
export type TensorRole = 'embedding' | 'output' | 'norm' | 'bias' | 'router' | 'matrix';

export interface TensorPlan {
  name: string;
  dims: number[];
  role: TensorRole;
}

export const SHAPE_DEFAULTS = { ropeTheta: 10000, rmsEps: 1e-5 } as const;

/** Fills derived fields (headDim, kvHeads, expertsUsed…) of a partial shape with llama defaults. */
export function completeShape(p: Partial<ModelShape> & Pick<ModelShape, 'layers' | 'hidden' | 'heads' | 'ffn' | 'context' | 'vocab'>): ModelShape {
  return {
    layers: p.layers,
    hidden: p.hidden,
    heads: p.heads,
    kvHeads: p.kvHeads ?? p.heads,
    headDim: p.headDim ?? p.hidden / p.heads,
    ffn: p.ffn,
    context: p.context,
    vocab: p.vocab,
    experts: p.experts ?? 0,
    expertsUsed: p.expertsUsed ?? 0,
    ropeTheta: p.ropeTheta ?? SHAPE_DEFAULTS.ropeTheta,
    rmsEps: p.rmsEps ?? SHAPE_DEFAULTS.rmsEps,
    tiedEmbeddings: p.tiedEmbeddings ?? false,
    qkvBias: p.qkvBias ?? false,
    outBias: p.outBias ?? false,
    mlpBias: p.mlpBias ?? false,
    ...(p.ropeScaling ? { ropeScaling: p.ropeScaling } : {}),
  };
}

/** llama.cpp's LLAMA_MAX_EXPERTS (src/llama-hparams.h, v0.4.0). */
export const MAX_EXPERTS = 1024;

/** Every way the shape is invalid for llama.cpp's llama architecture, as CLI-facing problems. */
export function shapeProblems(s: ModelShape): Problem[] {
  const out: Problem[] = [];
  const positive = (flag: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) out.push({ where: flag, message: `must be a whole number ≥ 1 (got ${v})` });
  };
  positive('--layers', s.layers);
  positive('--hidden', s.hidden);
  positive('--heads', s.heads);
  positive('--kv-heads', s.kvHeads);
  positive('--ffn', s.ffn);
  positive('--context', s.context);
  positive('--vocab', s.vocab);
  if (out.length > 0) return out;
  if (!Number.isInteger(s.headDim)) {
    out.push({ where: '--heads', message: `hidden size ${s.hidden} is not divisible by ${s.heads} heads`, hint: 'choose --heads dividing --hidden (or give head_dim in the config)' });
  } else if (s.headDim % 2 !== 0) {
    out.push({ where: '--heads', message: `head size ${s.headDim} is odd; RoPE rotates pairs of dimensions`, hint: 'choose --hidden / --heads even' });
  }
  if (s.heads % s.kvHeads !== 0) {
    out.push({ where: '--kv-heads', message: `${s.heads} heads are not a multiple of ${s.kvHeads} KV heads`, hint: 'grouped-query attention needs --heads divisible by --kv-heads' });
  }
  if (s.experts > 0) {
    if (s.experts > MAX_EXPERTS) out.push({ where: '--experts', message: `${s.experts} experts exceed llama.cpp's limit of ${MAX_EXPERTS}` });
    if (!Number.isInteger(s.expertsUsed) || s.expertsUsed < 1 || s.expertsUsed > s.experts) {
      out.push({ where: '--experts-used', message: `must be between 1 and ${s.experts} experts (got ${s.expertsUsed})` });
    }
  } else if (s.experts < 0 || !Number.isInteger(s.experts)) {
    out.push({ where: '--experts', message: `must be a whole number ≥ 0 (got ${s.experts})` });
  }
  if (!(s.rmsEps > 0)) out.push({ where: 'config.json rms_norm_eps', message: `must be > 0 (got ${s.rmsEps})` });
  if (!(s.ropeTheta > 0)) out.push({ where: 'config.json rope_theta', message: `must be > 0 (got ${s.ropeTheta})` });
  return out;
}

/** The tensors of a model of this shape, in file order. */
export function planTensors(s: ModelShape): TensorPlan[] {
  const E = s.hidden;
  const qDim = s.heads * s.headDim;
  const kvDim = s.kvHeads * s.headDim;
  const t: TensorPlan[] = [
    { name: 'token_embd.weight', dims: [E, s.vocab], role: 'embedding' },
    { name: 'output_norm.weight', dims: [E], role: 'norm' },
  ];
  if (!s.tiedEmbeddings) t.push({ name: 'output.weight', dims: [E, s.vocab], role: 'output' });
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}.`;
    t.push({ name: `${b}attn_norm.weight`, dims: [E], role: 'norm' });
    t.push({ name: `${b}attn_q.weight`, dims: [E, qDim], role: 'matrix' });
    t.push({ name: `${b}attn_k.weight`, dims: [E, kvDim], role: 'matrix' });
    t.push({ name: `${b}attn_v.weight`, dims: [E, kvDim], role: 'matrix' });
    if (s.qkvBias) {
      t.push({ name: `${b}attn_q.bias`, dims: [qDim], role: 'bias' });
      t.push({ name: `${b}attn_k.bias`, dims: [kvDim], role: 'bias' });
      t.push({ name: `${b}attn_v.bias`, dims: [kvDim], role: 'bias' });
    }
    t.push({ name: `${b}attn_output.weight`, dims: [qDim, E], role: 'matrix' });
    if (s.outBias) t.push({ name: `${b}attn_output.bias`, dims: [E], role: 'bias' });
    t.push({ name: `${b}ffn_norm.weight`, dims: [E], role: 'norm' });
    if (s.experts === 0) {
      t.push({ name: `${b}ffn_gate.weight`, dims: [E, s.ffn], role: 'matrix' });
      t.push({ name: `${b}ffn_up.weight`, dims: [E, s.ffn], role: 'matrix' });
      t.push({ name: `${b}ffn_down.weight`, dims: [s.ffn, E], role: 'matrix' });
      if (s.mlpBias) {
        t.push({ name: `${b}ffn_gate.bias`, dims: [s.ffn], role: 'bias' });
        t.push({ name: `${b}ffn_up.bias`, dims: [s.ffn], role: 'bias' });
        t.push({ name: `${b}ffn_down.bias`, dims: [E], role: 'bias' });
      }
    } else {
      t.push({ name: `${b}ffn_gate_inp.weight`, dims: [E, s.experts], role: 'router' });
      t.push({ name: `${b}ffn_gate_exps.weight`, dims: [E, s.ffn, s.experts], role: 'matrix' });
      t.push({ name: `${b}ffn_up_exps.weight`, dims: [E, s.ffn, s.experts], role: 'matrix' });
      t.push({ name: `${b}ffn_down_exps.weight`, dims: [s.ffn, E, s.experts], role: 'matrix' });
    }
  }
  return t;
}

/** Total parameters (elements of every tensor), counting a tied embedding once. */
export function parameterCount(s: ModelShape): number {
  return planTensors(s).reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
}

/** Short, file-name-safe description: `l8-e512-h8-kv2-f1536-v259`, with `-x8a2` for 8 experts, 2 active. */
export function shapeSlug(s: ModelShape): string {
  const moe = s.experts > 0 ? `-x${s.experts}a${s.expertsUsed}` : '';
  return `l${s.layers}-e${s.hidden}-h${s.heads}-kv${s.kvHeads}-f${s.ffn}${moe}-v${s.vocab}`;
}
