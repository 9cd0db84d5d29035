/**
 * Model shape from a GGUF header: hyperparameters from `{arch}.*` metadata (llama.cpp src/llama-arch.cpp key
 * names), exact parameter count and weight bytes from the tensor table (real per-tensor types, so `_K_M` mixes
 * are counted as stored).
 */
import { ggmlTypeById, LLAMA_FTYPES } from '../gguf/ggml-types.js';
import { type GgufHeader, ggufArch, ggufNumber, ggufNumberOrArray, readGgufHeader } from '../gguf/reader.js';
import { type LayerKind, type ModelShape } from './shape.js';

function first(v: number | number[] | null): number | null {
  if (v === null) return null;
  if (!Array.isArray(v)) return v;
  return v.find((x) => x > 0) ?? null;
}

export function shapeFromGgufHeader(h: GgufHeader, name: string): ModelShape {
  const arch = ggufArch(h);
  const n = (k: string) => ggufNumber(h, `{arch}.${k}`);
  const layers = n('block_count') ?? 0;
  const hidden = n('embedding_length') ?? 0;
  const heads = first(ggufNumberOrArray(h, '{arch}.attention.head_count')) ?? 1;
  const kvRaw = ggufNumberOrArray(h, '{arch}.attention.head_count_kv');
  const kvHeads = first(kvRaw) ?? heads;
  const kvLora = n('attention.kv_lora_rank');
  const headDim = n('attention.key_length') ?? (heads ? hidden / heads : 0);
  const headDimV = n('attention.value_length') ?? headDim;
  const window = n('attention.sliding_window');
  const tokens = h.metadata['tokenizer.ggml.tokens'];
  const embd = h.tensors.find((t) => t.name === 'token_embd.weight');
  const vocab = n('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : embd?.dims[1] ?? 0);
  const experts = n('expert_count');
  const ffRaw = ggufNumberOrArray(h, '{arch}.feed_forward_length');

  // llama.cpp llama_hparams::set_swa_pattern(n): layer il slides when il % n < n − 1 (n = 0: every layer);
  // `{arch}.attention.sliding_window_pattern` is that period, or one bool per layer. Gemma-2 defaults to 2, Gemma-3 to 6.
  const patternRaw = h.metadata[`${arch}.attention.sliding_window_pattern`];
  const period = typeof patternRaw === 'number' ? patternRaw : arch === 'gemma2' ? 2 : arch.startsWith('gemma3') ? 6 : 0;
  const ssmInner = n('ssm.inner_size');
  const recurrentOnly = ssmInner !== null && kvRaw === null;
  const kinds: LayerKind[] = [];
  for (let i = 0; i < layers; i++) {
    // Hybrid models (Jamba, Qwen3-Next, granite-hybrid) write head_count_kv per layer, 0 on recurrent layers.
    if (recurrentOnly || (Array.isArray(kvRaw) && kvRaw[i] === 0)) kinds.push('linear');
    else if (window === null || window === 0) kinds.push('full');
    else if (Array.isArray(patternRaw)) kinds.push(patternRaw[i] ? 'sliding' : 'full');
    else kinds.push(period === 0 || i % period < period - 1 ? 'sliding' : 'full');
  }

  let params = 0;
  let bytes = 0;
  const hist: Record<string, number> = {};
  for (const t of h.tensors) {
    params += t.elements;
    bytes += t.bytes ?? 0;
    const tn = ggmlTypeById(t.type)?.name ?? `type${t.type}`;
    hist[tn] = (hist[tn] ?? 0) + 1;
  }
  const ft = ggufNumber(h, 'general.file_type');
  const ssmState = n('ssm.state_size');
  const ssmConv = n('ssm.conv_kernel');

  return {
    name,
    source: 'gguf',
    arch,
    layers,
    hidden,
    heads,
    kvHeads: kvLora ? 1 : kvHeads,
    headDim: kvLora ? kvLora + (n('rope.dimension_count') ?? 64) : headDim,
    // llama.cpp's MLA cache keeps the latent in K only (V is a view of it).
    headDimV: kvLora ? 0 : headDimV,
    intermediate: first(ffRaw) ?? 0,
    vocab,
    tiedEmbeddings: !h.tensors.some((t) => t.name === 'output.weight'),
    qkvBias: h.tensors.some((t) => t.name === 'blk.0.attn_q.bias'),
    qkNorm: h.tensors.some((t) => t.name === 'blk.0.attn_q_norm.weight'),
    gatedMlp: h.tensors.some((t) => t.name.startsWith('blk.0.ffn_gate')),
    normsPerLayer: h.tensors.filter((t) => /^blk\.0\..*norm\.weight$/.test(t.name) && !/attn_[qk]_norm/.test(t.name)).length || 2,
    normBias: h.tensors.some((t) => t.name === 'blk.0.attn_norm.bias'),
    linearBias: h.tensors.some((t) => t.name === 'blk.0.attn_output.bias'),
    attnOutputGate: false,
    moe: experts && experts > 1 ? {
      experts,
      topK: n('expert_used_count') ?? 2,
      expertIntermediate: n('expert_feed_forward_length') ?? first(ffRaw) ?? 0,
      sharedExperts: n('expert_shared_count') ?? 0,
      sharedIntermediate: n('expert_shared_feed_forward_length') ?? n('expert_feed_forward_length') ?? 0,
      sharedGate: false,
      firstDenseLayers: n('leading_dense_block_count') ?? 0,
      routerBias: false,
    } : null,
    // Newer DeepSeek GGUFs store the absorbed MLA dims in key_length/value_length (576/512) and the per-head
    // ones in key_length_mla/value_length_mla (192/128).
    mla: kvLora ? {
      kvLoraRank: kvLora,
      qLoraRank: n('attention.q_lora_rank') ?? 0,
      qkRopeHeadDim: n('rope.dimension_count') ?? 64,
      qkNopeHeadDim: Math.max(0, (n('attention.key_length_mla') ?? headDim) - (n('rope.dimension_count') ?? 64)),
      vHeadDim: n('attention.value_length_mla') ?? headDimV,
    } : null,
    // Mamba state: d_inner × d_state (ssm) + d_inner × (d_conv − 1) (conv), estimation.md §1.5.
    linear: ssmInner && ssmState ? { kind: 'mamba', stateElements: ssmInner * ssmState + ssmInner * Math.max(0, (ssmConv ?? 4) - 1), params: 0 } : null,
    layerKinds: kinds,
    slidingWindow: window && window > 0 ? window : null,
    maxContext: n('context_length'),
    nativeDtype: null,
    exact: { params, weightBytes: bytes, fileType: ft === null ? null : LLAMA_FTYPES[ft] ?? `ftype ${ft}`, typeHistogram: hist },
  };
}

/** Reads a GGUF file's header (never its weights) and returns its model shape. */
export async function modelShapeFromGguf(path: string): Promise<ModelShape> {
  const h = await readGgufHeader(path);
  const general = h.metadata['general.name'];
  return shapeFromGgufHeader(h, typeof general === 'string' && general ? general : path);
}
