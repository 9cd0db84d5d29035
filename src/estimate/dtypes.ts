/**
 * Bytes per weight and per KV-cache element for every dtype name `--dtype` / `--kv-dtype` accept
 * (estimation.md §1.7, §2.2, §2.3). GGML block types use their exact block size (src/gguf/ggml-types.ts).
 */
import { UsageError } from '../core/errors.js';
import { bitsPerWeight, ggmlTypeByName } from '../gguf/ggml-types.js';

export interface WeightDtype {
  name: string;
  /** Effective bits per quantized weight, scales included. */
  bits: number;
  /**
   * HF-quantized checkpoints (GPTQ/AWQ/fp8/int8/nf4) keep embeddings and lm_head in 16 bit (estimation.md §2.2);
   * GGUF quantizes them too, so ggml types and mixes apply to every tensor.
   */
  embeddings16: boolean;
}

/**
 * Whole-file bits per weight of llama.cpp's mixed file types, measured on Llama-3.1-8B (8.03 B params) in
 * llama.cpp tools/quantize/README.md (commit 311c2c9). Mixes upgrade some tensors, so the base type's bpw is too low.
 */
export const GGUF_MIX_BPW: Readonly<Record<string, number>> = {
  iq1_s: 2.0042, iq1_m: 2.146, iq2_xxs: 2.3824, iq2_xs: 2.5882, iq2_s: 2.7403, iq2_m: 2.9294, iq3_xxs: 3.2548,
  iq3_xs: 3.4977, iq3_s: 3.6606, iq3_m: 3.7628, iq4_xs: 4.4597, iq4_nl: 4.6818, q2_k_s: 2.9697, q2_k: 3.1593,
  q3_k_s: 3.6429, q3_k_l: 4.2979, q4_k_s: 4.6672, q4_k_m: 4.8944, q5_k_s: 5.5704, q5_k_m: 5.7036, q6_k: 6.5633,
  q8_0: 8.5008,
};

const SIMPLE: Readonly<Record<string, WeightDtype>> = {
  fp32: { name: 'fp32', bits: 32, embeddings16: false },
  fp16: { name: 'fp16', bits: 16, embeddings16: false },
  bf16: { name: 'bf16', bits: 16, embeddings16: false },
  // fp8 with per-tensor/channel scales is 8 bits; DeepSeek's 128x128 fp32 block scales add 32/16384 bits.
  fp8: { name: 'fp8', bits: 8, embeddings16: true },
  int8: { name: 'int8', bits: 8, embeddings16: true },
  // bitsandbytes NF4: 4 bits + absmax per 64 with double quantization (estimation.md §2.2, unverified 4.127).
  nf4: { name: 'nf4', bits: 4.127, embeddings16: true },
};

const ALIASES: Readonly<Record<string, string>> = {
  float32: 'fp32', f32: 'fp32', float16: 'fp16', half: 'fp16', f16: 'fp16', bfloat16: 'bf16', float: 'fp32',
  fp8_e4m3: 'fp8', fp8_e5m2: 'fp8', e4m3: 'fp8', w8a8: 'int8', w8a16: 'int8', i8: 'int8',
};

/** GPTQ/AWQ int4 with group size g: 4 bits + fp16 scale and packed 4-bit zero per group = 4 + 20/g. */
function int4(group: number): WeightDtype {
  return { name: `int4-g${group}`, bits: 4 + 20 / group, embeddings16: true };
}

export function parseWeightDtype(raw: string): WeightDtype {
  const s = raw.trim().toLowerCase();
  const simple = SIMPLE[ALIASES[s] ?? s];
  if (simple) return simple;
  if (s === 'int4' || s === 'awq' || s === 'gptq' || s === 'w4a16') return int4(128);
  const g = /^(?:int4|awq|gptq)[-_:]?g(\d+)$/.exec(s);
  if (g) return int4(Number(g[1]));
  if (GGUF_MIX_BPW[s] !== undefined) return { name: s.toUpperCase(), bits: GGUF_MIX_BPW[s]!, embeddings16: false };
  const t = ggmlTypeByName(s);
  if (t) return { name: t.name, bits: bitsPerWeight(t), embeddings16: false };
  throw new UsageError([{
    where: '--dtype',
    message: `'${raw}' is not a known weight dtype`,
    hint: 'one of fp32, bf16, fp16, fp8, int8, int4 (= int4-g128), int4-g32, awq, gptq, nf4, a GGUF type (q4_0, q8_0, q4_k, iq2_xxs, ...) or a GGUF mix (q4_k_m, q5_k_m, ...)',
  }]);
}

/** KV-cache dtype: bytes per element (fractional for block-quantized llama.cpp caches: q8_0 = 34/32). */
export interface KvDtype {
  name: string;
  bytesPerElement: number;
}

/** `auto` means the model's dtype, as in vLLM's kv_cache_dtype=auto (fp32 models keep a 4-byte cache). */
export function parseKvDtype(raw: string, native: string | null): KvDtype {
  const s = raw.trim().toLowerCase();
  if (s === 'auto') {
    const n = (native ?? 'bf16').toLowerCase();
    return n === 'float32' || n === 'fp32' || n === 'f32' ? { name: 'fp32', bytesPerElement: 4 } : { name: n === 'float16' || n === 'fp16' || n === 'f16' ? 'fp16' : 'bf16', bytesPerElement: 2 };
  }
  const a = ALIASES[s] ?? s;
  if (a === 'fp32') return { name: 'fp32', bytesPerElement: 4 };
  if (a === 'fp16' || a === 'bf16') return { name: a, bytesPerElement: 2 };
  if (a === 'fp8' || a === 'int8') return { name: s, bytesPerElement: 1 };
  // vLLM nvfp4: packed fp4 + one fp8 scale per 16 elements.
  if (s === 'nvfp4') return { name: 'nvfp4', bytesPerElement: 0.5 + 1 / 16 };
  const t = ggmlTypeByName(s);
  if (t) return { name: t.name.toLowerCase(), bytesPerElement: t.typeSize / t.blockSize };
  throw new UsageError([{ where: '--kv-dtype', message: `'${raw}' is not a known KV-cache dtype`, hint: 'one of auto, fp16, bf16, fp32, fp8, int8, nvfp4, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl' }]);
}

/** The dtype a model ships in, for when --dtype is not given. */
export function nativeWeightDtype(native: string | null): WeightDtype {
  const n = (native ?? 'bf16').toLowerCase();
  return parseWeightDtype(n === 'float32' ? 'fp32' : n === 'float16' ? 'fp16' : n === 'bfloat16' ? 'bf16' : SIMPLE[ALIASES[n] ?? n] ? n : 'bf16');
}
