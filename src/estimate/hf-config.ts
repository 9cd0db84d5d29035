/**
 * Model shape from a Hugging Face `config.json`. Field meanings and pitfalls: estimation.md §1 and §8
 * (explicit head_dim wins, missing num_key_value_heads means MHA, DeepSeek's num_key_value_heads is not its cache,
 * Qwen2's sliding_window is off unless use_sliding_window, Gemma-2/3 interleave local and global layers).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { type LayerKind, type LinearShape, type MlaShape, type ModelShape, type MoeShape } from './shape.js';
import { num } from '../core/num.js';

type Json = Record<string, unknown>;

function req(cfg: Json, keys: string[], where: string): number {
  for (const k of keys) {
    const v = num(cfg[k]);
    if (v !== null) return v;
  }
  throw new UsageError([{ where, message: `config.json has no ${keys.join(' / ')}`, hint: 'pass the model\'s own config.json (the text model\'s, for multimodal checkpoints)' }]);
}

/** Families whose HF config class ties embeddings by default (Gemma) or has no flag at all. */
const TIED_BY_DEFAULT = new Set(['gemma', 'gemma2', 'gemma3', 'gemma3_text']);

function layerKinds(cfg: Json, modelType: string, layers: number, window: number | null): LayerKind[] {
  const types = cfg['layer_types'];
  if (Array.isArray(types) && types.length === layers) {
    return types.map((t) => (t === 'sliding_attention' || t === 'chunked_attention' ? 'sliding' : t === 'linear_attention' || t === 'mamba' ? 'linear' : 'full'));
  }
  const kinds: LayerKind[] = [];
  const interval = num(cfg['full_attention_interval']);
  const pattern = num(cfg['sliding_window_pattern']) ?? num(cfg['_sliding_window_pattern']);
  for (let i = 0; i < layers; i++) {
    if (interval && interval > 1) kinds.push((i + 1) % interval === 0 ? 'full' : 'linear');
    else if (window === null) kinds.push('full');
    // Gemma-2: even layers are local (`is_sliding = not bool(layer_idx % 2)` in transformers' Gemma2 attention).
    else if (modelType === 'gemma2') kinds.push(i % 2 === 0 ? 'sliding' : 'full');
    // Gemma-3: every `sliding_window_pattern`-th layer is global (5 local : 1 global).
    else if (pattern && pattern > 1) kinds.push((i + 1) % pattern === 0 ? 'full' : 'sliding');
    else kinds.push('sliding');
  }
  return kinds;
}

function moeShape(cfg: Json, modelType: string, hidden: number): MoeShape | null {
  const experts = num(cfg['num_local_experts']) ?? num(cfg['num_experts']) ?? num(cfg['n_routed_experts']);
  if (!experts || experts <= 1) return null;
  const topK = num(cfg['num_experts_per_tok']) ?? num(cfg['num_experts_per_token']) ?? 2;
  const expertIntermediate = num(cfg['moe_intermediate_size']) ?? req(cfg, ['intermediate_size'], 'config.json');
  const deepseekShared = num(cfg['n_shared_experts']);
  const qwenShared = num(cfg['shared_expert_intermediate_size']);
  const mlpOnly = Array.isArray(cfg['mlp_only_layers']) ? (cfg['mlp_only_layers'] as unknown[]).length : 0;
  void hidden;
  return {
    experts,
    topK,
    expertIntermediate,
    // DeepSeek builds its shared experts as one MLP of n_shared × moe_intermediate_size; same parameter count.
    sharedExperts: deepseekShared ? deepseekShared : qwenShared ? 1 : 0,
    sharedIntermediate: deepseekShared ? expertIntermediate : qwenShared ?? 0,
    sharedGate: Boolean(qwenShared),
    firstDenseLayers: (num(cfg['first_k_dense_replace']) ?? 0) + mlpOnly,
    routerBias: modelType === 'deepseek_v3' || cfg['topk_method'] === 'noaux_tc',
  };
}

function mlaShape(cfg: Json): MlaShape | null {
  const kvLoraRank = num(cfg['kv_lora_rank']);
  if (!kvLoraRank) return null;
  return {
    kvLoraRank,
    qLoraRank: num(cfg['q_lora_rank']) ?? 0,
    qkRopeHeadDim: num(cfg['qk_rope_head_dim']) ?? 64,
    qkNopeHeadDim: num(cfg['qk_nope_head_dim']) ?? 128,
    vHeadDim: num(cfg['v_head_dim']) ?? 128,
  };
}

/** Gated DeltaNet (Qwen3-Next) state and parameters per linear layer, estimation.md §1.5. */
function linearShape(cfg: Json, hidden: number): LinearShape | null {
  const nk = num(cfg['linear_num_key_heads']);
  const nv = num(cfg['linear_num_value_heads']);
  if (!nk || !nv) return null;
  const dk = num(cfg['linear_key_head_dim']) ?? 128;
  const dv = num(cfg['linear_value_head_dim']) ?? 128;
  const conv = num(cfg['linear_conv_kernel_dim']) ?? 4;
  const convDim = 2 * nk * dk + nv * dv;
  const stateElements = nv * dk * dv + (conv - 1) * convDim;
  const params = hidden * (2 * nk * dk + 2 * nv * dv) + hidden * 2 * nv + convDim * conv + 2 * nv + dv + nv * dv * hidden;
  return { kind: 'gated-deltanet', stateElements, params };
}

export function shapeFromHfConfig(raw: Json, name: string, source: ModelShape['source'] = 'hf-config'): ModelShape {
  // Multimodal wrappers (Gemma-3, Llama-4, Qwen-VL) keep the language model under text_config.
  const cfg: Json = num(raw['num_hidden_layers']) === null && raw['text_config'] && typeof raw['text_config'] === 'object'
    ? { ...(raw['text_config'] as Json), tie_word_embeddings: raw['tie_word_embeddings'] ?? (raw['text_config'] as Json)['tie_word_embeddings'] }
    : raw;
  const modelType = String(cfg['model_type'] ?? raw['model_type'] ?? 'llama');
  const layers = req(cfg, ['num_hidden_layers', 'n_layer', 'num_layers'], 'config.json');
  const hidden = req(cfg, ['hidden_size', 'n_embd', 'd_model'], 'config.json');
  const heads = req(cfg, ['num_attention_heads', 'n_head'], 'config.json');
  const mla = mlaShape(cfg);
  const kvHeads = mla ? 1 : num(cfg['num_key_value_heads']) ?? (cfg['multi_query'] === true ? 1 : heads);
  const headDim = mla ? mla.qkNopeHeadDim + mla.qkRopeHeadDim : num(cfg['head_dim']) ?? hidden / heads;
  const headDimV = mla ? mla.vHeadDim : num(cfg['v_head_dim']) ?? headDim;
  const useSliding = cfg['use_sliding_window'] !== false;
  const window = useSliding ? num(cfg['sliding_window']) ?? num(cfg['attention_chunk_size']) : null;
  const neox = modelType === 'gpt_neox';
  const tiedRaw = cfg['tie_word_embeddings'];
  return {
    name,
    source,
    arch: modelType,
    layers,
    hidden,
    heads,
    kvHeads,
    headDim,
    headDimV,
    intermediate: num(cfg['intermediate_size']) ?? num(cfg['n_inner']) ?? 4 * hidden,
    vocab: req(cfg, ['vocab_size'], 'config.json'),
    tiedEmbeddings: typeof tiedRaw === 'boolean' ? tiedRaw : TIED_BY_DEFAULT.has(modelType),
    qkvBias: modelType === 'qwen2' || modelType === 'qwen2_moe' || cfg['attention_bias'] === true,
    qkNorm: modelType.startsWith('qwen3') || modelType.startsWith('gemma3'),
    gatedMlp: !neox && modelType !== 'gpt2',
    normsPerLayer: modelType.startsWith('gemma2') || modelType.startsWith('gemma3') ? 4 : 2,
    normBias: neox,
    linearBias: neox,
    attnOutputGate: modelType === 'qwen3_next',
    moe: moeShape(cfg, modelType, hidden),
    mla,
    linear: linearShape(cfg, hidden),
    layerKinds: layerKinds(cfg, modelType, layers, window),
    slidingWindow: window,
    maxContext: num(cfg['max_position_embeddings']),
    nativeDtype: typeof cfg['torch_dtype'] === 'string' ? cfg['torch_dtype'] : typeof cfg['dtype'] === 'string' ? (cfg['dtype'] as string) : null,
    exact: null,
  };
}

/**
 * The one reader of a Hugging Face `config.json` (make-model's --config reads through it too): a file, or a model
 * folder holding one, parsed into its JSON object. `where` names the option or argument in errors. What the
 * fields mean is the caller's: shapeFromHfConfig here, make-model's mapHfConfig for what llama can express.
 */
export function readHfConfigJson(path: string, where: string, hint: string): { config: Json; path: string } {
  let text: string;
  try {
    if (statSync(path).isDirectory()) path = join(path, 'config.json');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError([{ where, message: `cannot read ${path}: ${code === 'ENOENT' ? 'file not found' : (e as Error).message}`, hint }]);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new UsageError([{ where, message: `${path} is not valid JSON (${(e as Error).message})`, hint }]);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new UsageError([{ where, message: `${path} must hold a JSON object`, hint }]);
  return { config: config as Json, path };
}

export async function readHfConfig(path: string): Promise<ModelShape> {
  const { config } = readHfConfigJson(path, path, 'pass a config.json path, a .gguf file or a preset name (llmbench estimate --help lists them)');
  const name = typeof config['_name_or_path'] === 'string' ? String(config['_name_or_path']) : path;
  return shapeFromHfConfig(config, name);
}
