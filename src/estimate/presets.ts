/**
 * Built-in model presets: the config.json fields that matter for sizing, as published in each model's
 * Hugging Face config.json (estimation.md §6 lists sources; `r` rows there were re-derived and their parameter
 * totals match the published counts, see test/estimate/params.test.ts).
 */
import { shapeFromHfConfig } from './hf-config.js';
import { type ModelShape } from './shape.js';

type Cfg = Record<string, unknown>;

const llama = (L: number, H: number, nq: number, nkv: number, I: number, V: number, extra: Cfg = {}): Cfg => ({
  model_type: 'llama', num_hidden_layers: L, hidden_size: H, num_attention_heads: nq, num_key_value_heads: nkv, intermediate_size: I, vocab_size: V, tie_word_embeddings: false, torch_dtype: 'bfloat16', ...extra,
});
const qwen2 = (L: number, H: number, nq: number, nkv: number, I: number, V: number, tied: boolean, ctx: number): Cfg => ({
  model_type: 'qwen2', num_hidden_layers: L, hidden_size: H, num_attention_heads: nq, num_key_value_heads: nkv, intermediate_size: I, vocab_size: V, tie_word_embeddings: tied, max_position_embeddings: ctx, sliding_window: 131072, use_sliding_window: false, torch_dtype: 'bfloat16',
});
const qwen3 = (L: number, H: number, nq: number, nkv: number, I: number, tied: boolean, extra: Cfg = {}): Cfg => ({
  model_type: 'qwen3', num_hidden_layers: L, hidden_size: H, num_attention_heads: nq, num_key_value_heads: nkv, head_dim: 128, intermediate_size: I, vocab_size: 151936, tie_word_embeddings: tied, max_position_embeddings: 40960, torch_dtype: 'bfloat16', ...extra,
});

export const MODEL_PRESETS: Readonly<Record<string, Cfg>> = {
  'llama-2-7b': llama(32, 4096, 32, 32, 11008, 32000, { max_position_embeddings: 4096, torch_dtype: 'float16' }),
  'llama-3.1-8b': llama(32, 4096, 32, 8, 14336, 128256, { max_position_embeddings: 131072 }),
  'llama-3.1-70b': llama(80, 8192, 64, 8, 28672, 128256, { max_position_embeddings: 131072 }),
  'llama-3.2-1b': llama(16, 2048, 32, 8, 8192, 128256, { head_dim: 64, tie_word_embeddings: true, max_position_embeddings: 131072 }),
  'llama-3.2-3b': llama(28, 3072, 24, 8, 8192, 128256, { head_dim: 128, tie_word_embeddings: true, max_position_embeddings: 131072 }),
  'mistral-7b-v0.3': llama(32, 4096, 32, 8, 14336, 32768, { model_type: 'mistral', sliding_window: null, max_position_embeddings: 32768 }),
  'mixtral-8x7b': llama(32, 4096, 32, 8, 14336, 32000, { model_type: 'mixtral', num_local_experts: 8, num_experts_per_tok: 2, max_position_embeddings: 32768 }),
  'qwen2.5-0.5b': qwen2(24, 896, 14, 2, 4864, 151936, true, 32768),
  'qwen2.5-3b': qwen2(36, 2048, 16, 2, 11008, 151936, true, 32768),
  'qwen2.5-7b': qwen2(28, 3584, 28, 4, 18944, 152064, false, 32768),
  'qwen2.5-14b': qwen2(48, 5120, 40, 8, 13824, 152064, false, 32768),
  'qwen2.5-32b': qwen2(64, 5120, 40, 8, 27648, 152064, false, 32768),
  'qwen2.5-72b': qwen2(80, 8192, 64, 8, 29568, 152064, false, 32768),
  'qwq-32b': qwen2(64, 5120, 40, 8, 27648, 152064, false, 131072),
  'qwen3-4b': qwen3(36, 2560, 32, 8, 9728, true),
  'qwen3-8b': qwen3(36, 4096, 32, 8, 12288, false),
  'qwen3-14b': qwen3(40, 5120, 40, 8, 17408, false),
  'qwen3-32b': qwen3(64, 5120, 64, 8, 25600, false),
  'qwen3-30b-a3b': qwen3(48, 2048, 32, 4, 6144, false, { model_type: 'qwen3_moe', moe_intermediate_size: 768, num_experts: 128, num_experts_per_tok: 8, mlp_only_layers: [] }),
  'qwen3-235b-a22b': qwen3(94, 4096, 64, 4, 12288, false, { model_type: 'qwen3_moe', moe_intermediate_size: 1536, num_experts: 128, num_experts_per_tok: 8, mlp_only_layers: [] }),
  // Qwen3-Next: 3 Gated-DeltaNet layers per full-attention layer; linear head counts are [unverified] in estimation.md §1.5.
  'qwen3-next-80b-a3b': {
    model_type: 'qwen3_next', num_hidden_layers: 48, hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 2, head_dim: 256, intermediate_size: 5120,
    vocab_size: 151936, tie_word_embeddings: false, full_attention_interval: 4, num_experts: 512, num_experts_per_tok: 10, moe_intermediate_size: 512,
    shared_expert_intermediate_size: 512, linear_num_key_heads: 16, linear_num_value_heads: 32, linear_key_head_dim: 128, linear_value_head_dim: 128,
    linear_conv_kernel_dim: 4, max_position_embeddings: 262144, torch_dtype: 'bfloat16',
  },
  'deepseek-v3': {
    model_type: 'deepseek_v3', num_hidden_layers: 61, hidden_size: 7168, num_attention_heads: 128, num_key_value_heads: 128, intermediate_size: 18432,
    moe_intermediate_size: 2048, vocab_size: 129280, kv_lora_rank: 512, q_lora_rank: 1536, qk_rope_head_dim: 64, qk_nope_head_dim: 128, v_head_dim: 128,
    n_routed_experts: 256, n_shared_experts: 1, num_experts_per_tok: 8, first_k_dense_replace: 3, tie_word_embeddings: false, topk_method: 'noaux_tc',
    max_position_embeddings: 163840, torch_dtype: 'bfloat16',
  },
  'gemma-2-9b': {
    model_type: 'gemma2', num_hidden_layers: 42, hidden_size: 3584, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 256, intermediate_size: 14336,
    vocab_size: 256000, sliding_window: 4096, max_position_embeddings: 8192, torch_dtype: 'bfloat16',
  },
  'gemma-3-1b': {
    model_type: 'gemma3_text', num_hidden_layers: 26, hidden_size: 1152, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 256, intermediate_size: 6912,
    vocab_size: 262144, sliding_window: 512, sliding_window_pattern: 6, max_position_embeddings: 32768, torch_dtype: 'bfloat16',
  },
  'phi-3-mini-4k': {
    model_type: 'phi3', num_hidden_layers: 32, hidden_size: 3072, num_attention_heads: 32, num_key_value_heads: 32, intermediate_size: 8192, vocab_size: 32064,
    tie_word_embeddings: false, sliding_window: 2047, max_position_embeddings: 4096, torch_dtype: 'bfloat16',
  },
  'pythia-2.8b': {
    model_type: 'gpt_neox', num_hidden_layers: 32, hidden_size: 2560, num_attention_heads: 32, intermediate_size: 10240, vocab_size: 50304,
    tie_word_embeddings: false, max_position_embeddings: 2048, torch_dtype: 'float16',
  },
};

export function presetNames(): string[] {
  return Object.keys(MODEL_PRESETS);
}

/** Case-insensitive; accepts `meta-llama/Llama-3.1-8B-Instruct` style names by their last segment, minus -instruct. */
export function findPreset(name: string): ModelShape | null {
  const key = name.toLowerCase().split('/').pop()!.replace(/-(instruct|chat|it|base)$/, '');
  const cfg = MODEL_PRESETS[key] ?? MODEL_PRESETS[key.replace(/^meta-/, '')];
  return cfg ? shapeFromHfConfig(cfg, key, 'preset') : null;
}
