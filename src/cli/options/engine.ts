/**
 * Embedded-engine settings (node-llama-cpp / llama.cpp). Each takes a comma list: every value becomes its own
 * scenario variant (the run grid multiplies them, as it does --model), so e.g. `--kv-cache-type f16,q8_0,q4_0`
 * compares KV-cache types in one run (seed 004). `llmbench serve` takes the same flags with one value each.
 */
import { OptionValueError, parseNumber, type OptionDef } from '../option.js';
import { parseCpuList, type CpuSetting } from '../../engine/llama/affinity.js';

export const ENGINE_GROUP = 'Embedded engine';

function positiveInt(what: string, min = 1) {
  return (raw: string): number => {
    const v = parseNumber(raw, true);
    if (v < min) throw new OptionValueError(`${what} must be at least ${min}, got ${raw}`);
    return v;
  };
}

export const KV_CACHE_TYPES = ['f16', 'q8_0', 'q4_0'] as const;
export const FLASH_ATTENTION_MODES = ['auto', 'on', 'off'] as const;
export type FlashAttentionMode = (typeof FLASH_ATTENTION_MODES)[number];

export const threadsOption: OptionDef = {
  name: 'threads',
  kind: 'list',
  placeholder: 'N[,M...]',
  parse: positiveInt('--threads'),
  defaultText: '1 on ≤ 2 cores, else cores − 1',
  description: 'llama.cpp compute threads. More threads than free cores makes decoding slower, not faster: Node needs a core too',
  group: ENGINE_GROUP,
};

export const batchSizeOption: OptionDef = {
  name: 'batch-size',
  kind: 'list',
  placeholder: 'N[,M...]',
  parse: positiveInt('--batch-size'),
  defaultText: '512 (node-llama-cpp; n_ubatch = n_batch)',
  description: 'Tokens evaluated per llama_decode call during prompt processing (n_batch)',
  group: ENGINE_GROUP,
};

export const contextSizeOption: OptionDef = {
  name: 'context-size',
  aliases: ['context'],
  kind: 'list',
  placeholder: 'N[,M...]',
  parse: positiveInt('--context-size', 16),
  defaultText: "min(4096, the model's training context)",
  description: 'Context tokens per sequence (prompt + output must fit); the KV cache holds context × sequences cells',
  group: ENGINE_GROUP,
};

export const gpuLayersOption: OptionDef = {
  name: 'gpu-layers',
  kind: 'list',
  placeholder: 'N[,M...]',
  parse: positiveInt('--gpu-layers', 0),
  defaultText: '0 on CPU; all that fit on a GPU backend',
  description: 'Model layers offloaded to the GPU (needs a GPU build of node-llama-cpp)',
  group: ENGINE_GROUP,
};

export const kvCacheTypeOption: OptionDef = {
  name: 'kv-cache-type',
  aliases: ['kv-dtype'],
  kind: 'list',
  choices: KV_CACHE_TYPES,
  placeholder: 'f16|q8_0|q4_0[,...]',
  parse: (raw: string) => {
    const v = raw.trim().toLowerCase();
    if (!(KV_CACHE_TYPES as readonly string[]).includes(v)) throw new OptionValueError(`'${raw}' is not one of ${KV_CACHE_TYPES.join(', ')}`);
    return v;
  },
  default: ['f16'],
  description: 'KV-cache element type for K and V. Quantized types need head sizes divisible by 32 and turn flash attention on (llama.cpp requires it for a quantized V cache); recorded in environment',
  group: ENGINE_GROUP,
};

export const flashAttentionOption: OptionDef = {
  name: 'flash-attention',
  kind: 'string',
  choices: FLASH_ATTENTION_MODES,
  default: 'auto',
  description: 'Flash attention: auto lets llama.cpp decide; forced on with a quantized KV cache',
  group: ENGINE_GROUP,
};

export const engineCpusOption: OptionDef = {
  name: 'engine-cpus',
  kind: 'string',
  placeholder: 'auto|none|LIST',
  parse: (raw: string): CpuSetting => {
    const v = raw.trim().toLowerCase();
    if (v === 'auto' || v === 'none') return v;
    try {
      return parseCpuList(v);
    } catch (err) {
      throw new OptionValueError(`${(err as Error).message}; or auto, or none`);
    }
  },
  default: 'auto',
  description:
    'CPUs the engine process runs on (Linux, taskset). auto: the last --threads CPUs when that leaves one for llmbench itself; none: the OS decides; or a list like 1, 2-3, 0,2. Pinning keeps the per-token hand-overs between Node and llama.cpp on one CPU (docs/engine.md); recorded as environment.engine_cpus',
  group: ENGINE_GROUP,
};

export const ENGINE_OPTIONS: readonly OptionDef[] = [threadsOption, batchSizeOption, contextSizeOption, gpuLayersOption, kvCacheTypeOption, flashAttentionOption, engineCpusOption];

/** --flash-attention as the engine takes it: null = auto. */
export function flashAttentionSetting(mode: unknown): boolean | null {
  return mode === 'on' ? true : mode === 'off' ? false : null;
}
