/** Flags of `llmbench make-model`. Shape flags have no `default`: an absent flag falls back to the config's value. */
import { type OptionDef } from '../option.js';
import { WEIGHT_DTYPES } from '../../engine/make-model/weights.js';

const SHAPE = 'Shape (each overrides --config)';

const shapeFlag = (name: string, description: string, defaultText: string): OptionDef => ({
  name,
  kind: 'int',
  placeholder: 'N',
  description,
  defaultText,
  group: SHAPE,
});

export const makeModelOutputOptions: OptionDef[] = [
  { name: 'output', short: 'o', kind: 'string', placeholder: 'FILE', description: 'where to write the GGUF (written to a temporary file, then renamed)', defaultText: './<general.name>.gguf', group: 'Output' },
  { name: 'dtype', kind: 'string', choices: WEIGHT_DTYPES, default: 'f16', description: 'storage type of the weight matrices; norms, biases and routers stay f32, and q8_0 falls back to f16 for rows not a multiple of 32', group: 'Output' },
  { name: 'seed', kind: 'int', default: 0, placeholder: 'N', description: 'random seed; the same seed and inputs give a byte-identical file', group: 'Output' },
];

export const makeModelSourceOptions: OptionDef[] = [
  { name: 'config', kind: 'string', placeholder: 'PATH', description: "a Hugging Face config.json (llama, mistral, qwen2, mixtral) to copy the shape from; unsupported shapes (MLA, sliding-window alternation, hybrid SSM, shared experts, ...) are refused", group: 'Source' },
  { name: 'vocab-from', kind: 'string', placeholder: 'FILE.gguf', description: 'copy the tokenizer (every tokenizer.* key, chat template included) from this GGUF; sets the vocabulary size', defaultText: 'a built-in byte-level vocab: one token per byte, ChatML template', group: 'Source' },
];

export const makeModelShapeOptions: OptionDef[] = [
  shapeFlag('layers', 'transformer blocks', "the config's, else 8"),
  shapeFlag('hidden', 'embedding width', "the config's, else 512"),
  shapeFlag('heads', 'attention heads (head size = hidden / heads)', "the config's, else 8"),
  shapeFlag('kv-heads', 'key/value heads (grouped-query attention)', "the config's (= heads when it has none), else 2"),
  shapeFlag('ffn', 'feed-forward width (per expert for MoE)', "the config's, else 1536"),
  shapeFlag('context', 'training context length written to the file', "the config's, else 4096"),
  shapeFlag('vocab', 'vocabulary size; the built-in vocab grows with merge tokens', "the --vocab-from tokenizer's, else the config's, else 259"),
  shapeFlag('experts', 'MoE experts per layer (0 = dense)', "the config's, else 0"),
  shapeFlag('experts-used', 'experts routed per token', "the config's, else 2"),
];

export const makeModelOptions: OptionDef[] = [...makeModelOutputOptions, ...makeModelSourceOptions, ...makeModelShapeOptions];
