/**
 * KV-cache size of a llama-style model, from its GGUF metadata. llama.cpp allocates, per layer, one K and one V
 * tensor of n_ctx × (head_dim × n_head_kv) elements (llama_kv_cache constructor: `n_embd_k_gqa`/`n_embd_v_gqa`
 * per cell), where n_ctx is the context summed over all sequences. Element sizes are ggml's: f16 = 2 bytes,
 * q8_0 = 34 bytes per 32 values, q4_0 = 18 bytes per 32 values (ggml type traits; see
 * ../shared/reference/estimation.md).
 */
import { type KvCacheType } from './protocol.js';
import { num } from '../../core/num.js';

export const KV_BYTES_PER_VALUE: Record<KvCacheType, number> = { f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

export interface KvShape {
  layers: number;
  embedding: number;
  heads: number;
  kvHeads: number;
  /** Per-head K / V widths when the GGUF states them (attention.key_length / value_length); else embedding / heads. */
  keyLength?: number | null;
  valueLength?: number | null;
}

export function kvCacheBytes(shape: KvShape, cells: number, keyType: KvCacheType, valueType: KvCacheType): number {
  const headDim = shape.embedding / shape.heads;
  const k = (shape.keyLength ?? headDim) * shape.kvHeads;
  const v = (shape.valueLength ?? headDim) * shape.kvHeads;
  return Math.round(shape.layers * cells * (k * KV_BYTES_PER_VALUE[keyType] + v * KV_BYTES_PER_VALUE[valueType]));
}

/** Reads the shape from node-llama-cpp's parsed GGUF metadata (`fileInfo.architectureMetadata`); null when incomplete. */
export function kvShapeFromMetadata(meta: Record<string, unknown> | undefined): KvShape | null {
  if (!meta) return null;
  const attention = (meta.attention ?? {}) as Record<string, unknown>;
  // node-llama-cpp hands 64-bit GGUF integers over as bigint.
  const n = (v: unknown): number | null => num(typeof v === 'bigint' ? Number(v) : v);
  const layers = n(meta.block_count);
  const embedding = n(meta.embedding_length);
  const heads = n(Array.isArray(attention.head_count) ? attention.head_count[0] : attention.head_count);
  const kvHeadsRaw = n(Array.isArray(attention.head_count_kv) ? attention.head_count_kv[0] : attention.head_count_kv);
  if (layers === null || embedding === null || heads === null || heads === 0) return null;
  return { layers, embedding, heads, kvHeads: kvHeadsRaw ?? heads, keyLength: n(attention.key_length), valueLength: n(attention.value_length) };
}
