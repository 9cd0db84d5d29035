/**
 * Maps a Hugging Face `config.json` onto llama.cpp's `llama` architecture, or refuses it naming the field that
 * llama cannot express.
 *
 * Mapped: dense Llama / Mistral / Qwen2 (SiLU-gated MLP, RMSNorm, RoPE; Qwen2's q/k/v biases and Llama's
 * `attention_bias`/`mlp_bias` become llama.cpp's optional bias tensors) and Mixtral-style MoE (every layer routed,
 * no shared experts), as llama.cpp's own converter does (convert_hf_to_gguf.py maps Mistral and Mixtral to the
 * llama arch; llama.cpp's qwen2 graph is the llama graph plus q/k/v biases).
 * Field names: transformers' LlamaConfig / MistralConfig / MixtralConfig / Qwen2Config.
 */
import { UsageError, type Problem } from '../../core/errors.js';
import { type ModelShape, type RopeScaling } from './shape.js';

export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'mixtral', 'qwen2'] as const;

export interface MappedConfig {
  /** Shape fields the config sets; the CLI's shape flags override them. */
  shape: Partial<ModelShape>;
  /** Things of the config that were dropped or approximated, for the user to read. */
  notes: string[];
  modelType: string;
}

type Json = Record<string, unknown>;

const HINT = `make-model maps ${SUPPORTED_MODEL_TYPES.join(', ')} configs (dense or Mixtral-style MoE); give the shape with --layers/--hidden/... instead`;

function refuse(field: string, why: string): never {
  throw new UsageError([{ where: `config.json ${field}`, message: `${why}: llama.cpp's llama architecture cannot express this`, hint: HINT }]);
}

/** True when a config value is present and not an "off" value (null, false, 0, empty). */
function present(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** Unsupported features, checked before model_type so the refusal names the field that matters. */
function refuseUnsupported(c: Json): void {
  for (const f of ['kv_lora_rank', 'q_lora_rank']) if (present(c[f])) refuse(f, 'multi-head latent attention (MLA, DeepSeek-V2/V3 style)');
  for (const [k, v] of Object.entries(c)) {
    if (/^(mamba|ssm)_/.test(k) && present(v)) refuse(k, 'a Mamba/SSM state-space block (hybrid model)');
  }
  for (const f of ['layers_block_type', 'hybrid_override_pattern', 'attn_layer_period', 'full_attention_interval', 'linear_num_key_heads', 'linear_num_value_heads']) {
    if (present(c[f])) refuse(f, 'a hybrid model mixing attention with recurrent/linear-attention layers');
  }
  if (Array.isArray(c.layer_types)) {
    const kinds = [...new Set(c.layer_types as unknown[])];
    if (kinds.some((k) => k !== 'full_attention')) refuse('layer_types', `layers of kinds ${kinds.join(', ')} (sliding-window or hybrid alternation)`);
  }
  for (const f of ['sliding_window_pattern', '_sliding_window_pattern']) if (present(c[f])) refuse(f, 'alternating sliding-window and global attention layers');
  if (c.use_sliding_window === true) refuse('use_sliding_window', 'sliding-window attention on some layers (max_window_layers)');
  for (const f of ['n_shared_experts', 'shared_expert_intermediate_size', 'num_shared_experts']) if (present(c[f])) refuse(f, 'shared experts');
  for (const f of ['first_k_dense_replace', 'mlp_only_layers']) if (present(c[f])) refuse(f, 'a mix of dense and MoE layers');
  if (present(c.moe_layer_freq) && c.moe_layer_freq !== 1) refuse('moe_layer_freq', 'MoE only on some layers');
  if (present(c.decoder_sparse_step) && c.decoder_sparse_step !== 1) refuse('decoder_sparse_step', 'MoE only on some layers');
  for (const f of ['qk_norm', 'use_qk_norm']) if (present(c[f])) refuse(f, 'per-head q/k normalisation');
  if (present(c.text_config)) refuse('text_config', 'a multimodal wrapper; extract its text_config into its own config.json first');
  if (c.hidden_act !== undefined && c.hidden_act !== 'silu') refuse('hidden_act', `activation '${String(c.hidden_act)}' (llama uses SiLU-gated feed-forward)`);
}

function int(c: Json, field: string, problems: Problem[], required: boolean): number | undefined {
  const v = c[field];
  if (v === undefined || v === null) {
    if (required) problems.push({ where: `config.json ${field}`, message: 'missing', hint: 'a llama/mistral/qwen2 config.json has it; or give the matching make-model flag' });
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    problems.push({ where: `config.json ${field}`, message: `must be a whole number ≥ 1 (got ${JSON.stringify(v)})` });
    return undefined;
  }
  return v;
}

function positive(c: Json, field: string, problems: Problem[]): number | undefined {
  const v = c[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v > 0)) {
    problems.push({ where: `config.json ${field}`, message: `must be a number > 0 (got ${JSON.stringify(v)})` });
    return undefined;
  }
  return v;
}

function ropeScaling(c: Json, notes: string[]): RopeScaling | undefined {
  const rs = c.rope_scaling as Json | null | undefined;
  if (rs === undefined || rs === null) return undefined;
  if (typeof rs !== 'object') refuse('rope_scaling', 'an unreadable rope_scaling value');
  const type = (rs.rope_type ?? rs.type) as unknown;
  const factor = rs.factor;
  if (type === 'default') return undefined;
  if (type === 'llama3') {
    // llama.cpp applies Llama 3's frequency factors through an optional rope_freqs tensor: same compute per token.
    notes.push('rope_scaling llama3 not written: plain RoPE is used, which costs the same per token');
    return undefined;
  }
  if ((type === 'linear' || type === 'yarn') && typeof factor === 'number' && factor > 0) {
    const orig = rs.original_max_position_embeddings;
    return { type, factor, ...(typeof orig === 'number' ? { originalContext: orig } : {}) };
  }
  refuse('rope_scaling', `rope scaling '${String(type)}'`);
}

/** Maps a parsed config.json. Throws UsageError naming the field for anything llama cannot express. */
export function mapHfConfig(config: unknown): MappedConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new UsageError([{ where: '--config', message: 'config.json must hold a JSON object', hint: HINT }]);
  }
  const c = config as Json;
  refuseUnsupported(c);
  const modelType = c.model_type;
  if (typeof modelType !== 'string' || !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    refuse('model_type', `model_type ${JSON.stringify(modelType ?? null)} is not one make-model maps`);
  }
  const problems: Problem[] = [];
  const notes: string[] = [];
  const shape: Partial<ModelShape> = {};
  const set = <K extends keyof ModelShape>(k: K, v: ModelShape[K] | undefined) => {
    if (v !== undefined) shape[k] = v;
  };
  set('layers', int(c, 'num_hidden_layers', problems, true));
  set('hidden', int(c, 'hidden_size', problems, true));
  set('heads', int(c, 'num_attention_heads', problems, true));
  set('kvHeads', int(c, 'num_key_value_heads', problems, false));
  set('headDim', int(c, 'head_dim', problems, false));
  set('context', int(c, 'max_position_embeddings', problems, false));
  set('vocab', int(c, 'vocab_size', problems, false));
  set('ropeTheta', positive(c, 'rope_theta', problems));
  set('rmsEps', positive(c, 'rms_norm_eps', problems));
  set('tiedEmbeddings', c.tie_word_embeddings === true);

  const experts = c.num_local_experts ?? c.num_experts;
  if (present(experts)) {
    set('experts', int(c, c.num_local_experts !== undefined ? 'num_local_experts' : 'num_experts', problems, true));
    set('expertsUsed', int(c, 'num_experts_per_tok', problems, true));
    // Mixtral names the per-expert width intermediate_size; Qwen-MoE-style configs use moe_intermediate_size.
    set('ffn', int(c, c.moe_intermediate_size !== undefined ? 'moe_intermediate_size' : 'intermediate_size', problems, true));
  } else {
    set('ffn', int(c, 'intermediate_size', problems, true));
  }

  if (modelType === 'qwen2') shape.qkvBias = true;
  if (c.attention_bias === true) {
    shape.qkvBias = true;
    shape.outBias = true;
  }
  if (c.mlp_bias === true) shape.mlpBias = true;
  if (typeof c.sliding_window === 'number' && modelType !== 'qwen2') {
    // Mistral-7B-v0.1: one window on every layer. llama.cpp converts it to plain llama attention too.
    notes.push(`sliding_window ${c.sliding_window} not applied: every layer attends to the full context, as llama.cpp runs Mistral`);
  }
  const rs = ropeScaling(c, notes);
  if (rs) shape.ropeScaling = rs;
  if (problems.length > 0) throw new UsageError(problems);
  return { shape, notes, modelType: modelType as string };
}
