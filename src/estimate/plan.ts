/**
 * `llmbench estimate` as one pure function: model shape + dtypes + hardware + engine + workload in, a plan out
 * (parameters, weight and KV bytes, the engine's KV pool, fit, suggested settings, roofline). Formulas and their
 * sources are in docs/estimate.md.
 */
import { parseKvDtype, parseWeightDtype, nativeWeightDtype } from './dtypes.js';
import { type EngineKnobs, type EngineName, type PoolResult, sizePool } from './engines.js';
import { type HardwareSpec } from './hardware.js';
import { kvFootprint, sequenceBytes } from './kv.js';
import { countParams } from './params.js';
import { decodeBound, prefillBound, type RooflineInput } from './roofline.js';
import { type ModelShape } from './shape.js';
import { suggestSettings, type SuggestedSettings } from './suggest.js';
import { weightBytes, weightBytesReadPerStep } from './weights.js';

export interface EstimateInput {
  shape: ModelShape;
  /** Weight dtype name; null = the checkpoint's own (GGUF: exact tensor table). */
  dtype: string | null;
  kvDtype: string;
  hardware: HardwareSpec | null;
  devices: number;
  tp: number;
  engine: EngineName;
  context: number;
  concurrency: number;
  inputTokens: number;
  outputTokens: number;
  knobs: EngineKnobs;
}

export interface EstimateResult {
  model: {
    name: string; source: string; arch: string; attention: 'mla' | 'mha' | 'gqa' | 'mqa'; layers: number; hidden_size: number;
    heads: number; kv_heads: number; head_dim: number; layer_kinds: Record<string, number>; sliding_window: number | null;
    max_context: number | null; moe: { experts: number; active_experts: number; shared_experts: number } | null;
  };
  params: { total: number; active: number; embedding: number; exact: boolean };
  weights: { dtype: string; bytes_total: number; bytes_per_device: number; exact: boolean };
  kv_cache: {
    dtype: string; bytes_per_token: number; bytes_per_token_model: number; state_bytes_per_sequence: number;
    bytes_per_sequence: number; pool_bytes_per_device: number | null; pool_is_estimate: boolean; block_size: number;
    blocks: number | null; max_tokens: number | null; max_concurrency: number | null; concurrency_ratio: number | null;
  };
  memory: {
    device_bytes: number | null; budget_bytes: number | null; activation_bytes: number | null; runtime_bytes: number | null;
    required_bytes_per_device: number | null; knob: { name: string; value: number } | null;
  };
  setup: { engine: EngineName; hardware: string | null; devices: number; tp: number; replicas: number; context: number; concurrency: number; input_tokens: number; output_tokens: number };
  fits: boolean | null;
  shortfall_bytes: number | null;
  suggested: SuggestedSettings | null;
  roofline: {
    decode_tokens_per_s: number | null; decode_bound: 'memory' | 'compute' | null; decode_max_batch: number | null;
    decode_tokens_per_s_max_batch: number | null; decode_bound_max_batch: 'memory' | 'compute' | null;
    prefill_tokens_per_s: number | null; prefill_bound: 'memory' | 'compute' | null; prefill_ms: number | null;
  };
  notes: string[];
}

function attentionKind(s: ModelShape): EstimateResult['model']['attention'] {
  if (s.mla) return 'mla';
  return s.kvHeads === s.heads ? 'mha' : s.kvHeads === 1 ? 'mqa' : 'gqa';
}

export function estimate(i: EstimateInput): EstimateResult {
  const s = i.shape;
  const notes: string[] = [];
  const params = countParams(s);
  const wd = i.dtype ? parseWeightDtype(i.dtype) : s.exact ? null : nativeWeightDtype(s.nativeDtype);
  const weights = weightBytes(s, params, wd);
  const kvd = parseKvDtype(i.kvDtype, s.nativeDtype ?? (s.exact ? 'f16' : null));
  const llamacpp = i.engine === 'llamacpp';
  // llama.cpp splits whole layers across devices; the others shard every layer over TP ranks.
  const shards = llamacpp ? Math.max(1, i.devices) : Math.max(1, i.tp);
  const replicas = llamacpp ? 1 : Math.max(1, Math.floor(i.devices / Math.max(1, i.tp)));
  const stateBytes = kvd.bytesPerElement >= 2 ? kvd.bytesPerElement : 2;
  const fp = kvFootprint(s, kvd, llamacpp ? 1 : i.tp, stateBytes);
  const perDevice = llamacpp && shards > 1
    ? { ...fp, bytesPerToken: fp.bytesPerToken / shards, fullBytesPerToken: fp.fullBytesPerToken / shards, slidingBytesPerToken: fp.slidingBytesPerToken / shards, stateBytesPerSequence: fp.stateBytesPerSequence / shards }
    : fp;
  const W = weights.total / shards;
  const window = s.slidingWindow ?? Infinity;
  const seqBytes = (n: number) => sequenceBytes(perDevice, n, (t) => Math.min(t, window));

  if (!llamacpp && !s.mla && i.tp > s.kvHeads) notes.push(`TP ${i.tp} exceeds the ${s.kvHeads} KV heads: each rank keeps a replicated head, so KV per device does not shrink further`);
  if (s.mla && i.tp > 1) notes.push('MLA keeps the full latent on every TP rank: TP frees weight memory, not KV per token');
  if (s.maxContext !== null && i.context > s.maxContext) notes.push(`context ${i.context} exceeds the model's maximum of ${s.maxContext} tokens`);
  if (s.layerKinds.includes('linear')) notes.push(`hybrid model: ${fp.layersByKind.linear} recurrent layers hold a constant state per sequence`);

  let pool: PoolResult | null = null;
  if (i.hardware) {
    pool = sizePool({ engine: i.engine, shape: s, memoryBytes: i.hardware.memory_bytes, weightsBytesPerDevice: W, footprint: perDevice, tp: i.tp, context: i.context, concurrency: i.concurrency, knobs: i.knobs });
    if (pool.pool_is_estimate) notes.push('the KV pool is an estimate: engines measure activations at start-up; pass --kv-memory (GiB the engine logged for KV) for exact block counts');
  } else {
    notes.push('no --hardware: memory fit, KV pool and roofline need a device');
  }

  const neededKv = seqBytes(i.context) * i.concurrency;
  let fits: boolean | null = null;
  let shortfall: number | null = null;
  let required: number | null = null;
  if (pool && i.hardware) {
    const mem = i.hardware.memory_bytes;
    if (llamacpp) {
      required = W + pool.pool_bytes_per_device + pool.activation_bytes + pool.runtime_bytes;
      shortfall = Math.max(0, required - mem);
    } else {
      const kvNeed = Math.max(neededKv, pool.sequence_bytes);
      required = W + pool.activation_bytes + pool.runtime_bytes + kvNeed;
      shortfall = Math.max(0, kvNeed - pool.pool_bytes_per_device, required - mem);
    }
    fits = shortfall === 0;
  }

  let roofline: EstimateResult['roofline'] = { decode_tokens_per_s: null, decode_bound: null, decode_max_batch: null, decode_tokens_per_s_max_batch: null, decode_bound_max_batch: null, prefill_tokens_per_s: null, prefill_bound: null, prefill_ms: null };
  if (i.hardware) {
    const hw = i.hardware;
    // fp8/int8 checkpoints run W8A8 matmuls at the 8-bit rate; weight-only formats (int4, GGUF) compute in 16 bit.
    const eightBit = wd !== null && (wd.name === 'fp8' || wd.name === 'int8') && hw.flops8_per_s !== null;
    const r: RooflineInput = {
      shape: s,
      params,
      weightBytesRead: (b) => weightBytesReadPerStep(s, params, weights, b, shards),
      kvBytes: seqBytes,
      // llama.cpp runs the layer split one device after the other: one device's bandwidth at a time.
      shards: llamacpp ? 1 : shards,
      bandwidth: hw.bandwidth_bytes_per_s,
      flops: eightBit ? hw.flops8_per_s! : hw.flops_per_s,
    };
    if (llamacpp && shards > 1) r.weightBytesRead = (b) => weightBytesReadPerStep(s, params, weights, b, 1);
    if (llamacpp && shards > 1) r.kvBytes = (n) => sequenceBytes(fp, n, (t) => Math.min(t, window));
    const ctx = Math.min(i.context, i.inputTokens + Math.ceil(i.outputTokens / 2));
    const d1 = decodeBound(r, 1, ctx);
    const maxBatch = pool ? Math.max(1, Math.min(pool.max_concurrency, llamacpp ? i.concurrency : Infinity)) : 1;
    const dN = decodeBound(r, maxBatch, ctx);
    const p = prefillBound(r, i.inputTokens);
    roofline = {
      decode_tokens_per_s: d1.tokens_per_s, decode_bound: d1.bound, decode_max_batch: maxBatch,
      decode_tokens_per_s_max_batch: dN.aggregate_tokens_per_s, decode_bound_max_batch: dN.bound,
      prefill_tokens_per_s: p.tokens_per_s, prefill_bound: p.bound, prefill_ms: p.time_ms,
    };
  }

  const suggested = pool && i.hardware ? suggestSettings({ engine: i.engine, shape: s, pool, memoryBytes: i.hardware.memory_bytes, weightsBytesPerDevice: W, neededKvBytes: neededKv, context: i.context, concurrency: i.concurrency, perTokenBytes: perDevice.bytesPerToken }) : null;

  return {
    model: {
      name: s.name, source: s.source, arch: s.arch, attention: attentionKind(s), layers: s.layers, hidden_size: s.hidden, heads: s.heads,
      kv_heads: s.kvHeads, head_dim: s.headDim, layer_kinds: fp.layersByKind, sliding_window: s.slidingWindow, max_context: s.maxContext,
      moe: s.moe ? { experts: s.moe.experts, active_experts: s.moe.topK, shared_experts: s.moe.sharedExperts } : null,
    },
    params: { total: params.total, active: params.active, embedding: params.embedding, exact: s.exact !== null },
    weights: { dtype: weights.dtype, bytes_total: weights.total, bytes_per_device: Math.ceil(W), exact: weights.exact },
    kv_cache: {
      dtype: kvd.name,
      bytes_per_token: perDevice.bytesPerToken,
      bytes_per_token_model: fp.bytesPerTokenModel,
      state_bytes_per_sequence: perDevice.stateBytesPerSequence,
      bytes_per_sequence: Math.ceil(seqBytes(i.context)),
      pool_bytes_per_device: pool ? pool.pool_bytes_per_device : null,
      pool_is_estimate: pool ? pool.pool_is_estimate : true,
      block_size: pool ? pool.block_size : 1,
      blocks: pool ? pool.blocks : null,
      max_tokens: pool ? pool.max_tokens : null,
      max_concurrency: pool ? pool.max_concurrency * replicas : null,
      concurrency_ratio: pool ? pool.concurrency_ratio : null,
    },
    memory: {
      device_bytes: i.hardware ? i.hardware.memory_bytes : null,
      budget_bytes: pool ? pool.budget_bytes : null,
      activation_bytes: pool ? pool.activation_bytes : null,
      runtime_bytes: pool ? pool.runtime_bytes : null,
      required_bytes_per_device: required === null ? null : Math.ceil(required),
      knob: pool ? pool.knob : null,
    },
    setup: { engine: i.engine, hardware: i.hardware ? i.hardware.name : null, devices: i.devices, tp: i.tp, replicas, context: i.context, concurrency: i.concurrency, input_tokens: i.inputTokens, output_tokens: i.outputTokens },
    fits,
    shortfall_bytes: shortfall === null ? null : Math.ceil(shortfall),
    suggested,
    roofline,
    notes,
  };
}
