/** Options of `llmbench estimate`. `HARDWARE_OPTION` is exported alone so `run` can take the same flag. */
import { type OptionDef, OptionValueError } from '../option.js';
import { TABLE_FORMATS } from '../../reports/table.js';
import { ENGINES } from '../../estimate/engines.js';

const fraction = (flag: string) => (raw: string): number => {
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || v > 1) throw new OptionValueError(`'${raw}' must be a fraction in (0, 1]`, `e.g. --${flag} 0.9`);
  return v;
};

const positive = (raw: string): number => {
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new OptionValueError(`'${raw}' must be a positive number`);
  return v;
};

export const HARDWARE_OPTION: OptionDef = {
  name: 'hardware',
  kind: 'string',
  placeholder: 'NAME|mem=…,bw=…,flops=…',
  description: 'device: a preset (a100-40gb, a100-80gb, h100-sxm, h100-pcie, h200, l40s, rtx-3090, rtx-4090, mi250, mi300x, ascend-910b[1-4], m2-max, m3-max, ...) or mem=80GB,bw=3.35TB/s,flops=989T[,flops8=...]; a preset takes overrides: ascend-910b,bw=1.8TB/s',
  group: 'Hardware',
};

export const ESTIMATE_MODEL_OPTIONS: readonly OptionDef[] = [
  { name: 'dtype', kind: 'string', placeholder: 'DTYPE', description: 'weight dtype: fp32, bf16, fp16, fp8, int8, int4 (group 128), int4-g32, awq, gptq, nf4, any GGUF type (q4_0, q8_0, q4_k, iq2_xxs, ...) or mix (q4_k_m, q5_k_m, ...)', defaultText: "the checkpoint's (GGUF: its real tensor types)", group: 'Model' },
  { name: 'kv-dtype', aliases: ['kv-cache-type'], kind: 'string', placeholder: 'DTYPE', default: 'auto', description: 'KV-cache dtype: auto (model dtype), fp16, bf16, fp32, fp8, int8, nvfp4, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl', group: 'Model' },
];

export const ESTIMATE_HARDWARE_OPTIONS: readonly OptionDef[] = [
  HARDWARE_OPTION,
  { name: 'devices', kind: 'int', placeholder: 'N', description: 'devices in total (more than --tp means data-parallel replicas; llama.cpp splits layers across them)', defaultText: 'the --tp value', group: 'Hardware' },
  { name: 'tp', kind: 'int', placeholder: 'N', default: 1, description: 'tensor-parallel degree', group: 'Hardware' },
];

export const ESTIMATE_ENGINE_OPTIONS: readonly OptionDef[] = [
  { name: 'engine', kind: 'string', choices: ENGINES, default: 'vllm', description: 'whose KV-pool rule to apply', group: 'Engine' },
  { name: 'gpu-memory-utilization', kind: 'number', parse: fraction('gpu-memory-utilization'), placeholder: 'F', description: 'vLLM fraction of total memory (default 0.9); for mindie, NPU_MEMORY_FRACTION (default 0.8)', group: 'Engine' },
  { name: 'mem-fraction-static', kind: 'number', parse: fraction('mem-fraction-static'), placeholder: 'F', description: 'SGLang fraction of total memory for weights + KV', defaultText: '0.88, lower with TP (0.87 at 2, 0.85 at 4, 0.81 at 8)', group: 'Engine' },
  { name: 'free-gpu-memory-fraction', kind: 'number', parse: fraction('free-gpu-memory-fraction'), placeholder: 'F', description: 'TensorRT-LLM fraction of free memory after load (default 0.9)', group: 'Engine' },
  { name: 'npu-mem-size', kind: 'number', parse: positive, placeholder: 'GIB', description: 'MindIE npuMemSize: KV cache GiB per card', defaultText: '(free − weights/cards − workspace) × 0.8', group: 'Engine' },
  { name: 'block-size', kind: 'int', parse: (r) => Math.round(positive(r)), placeholder: 'TOKENS', description: 'tokens per KV block', defaultText: 'vllm 16, trtllm 32, mindie 128, sglang 1', group: 'Engine' },
  { name: 'kv-memory', kind: 'number', parse: positive, placeholder: 'GIB', description: "GiB available for the KV pool per device, as the engine logged it (vLLM 'Available KV cache memory'); makes block counts exact", group: 'Engine' },
];

export const ESTIMATE_WORKLOAD_OPTIONS: readonly OptionDef[] = [
  { name: 'context', aliases: ['context-size'], kind: 'int', parse: (r) => Math.round(positive(r)), placeholder: 'TOKENS', description: 'tokens per sequence (vLLM max_model_len, llama.cpp context per slot)', defaultText: "model's maximum (llamacpp: 4096)", group: 'Workload' },
  { name: 'concurrency', kind: 'int', parse: (r) => Math.round(positive(r)), placeholder: 'N', default: 1, description: 'sequences in flight at once', group: 'Workload' },
  { name: 'input-tokens', kind: 'int', parse: (r) => Math.round(positive(r)), placeholder: 'N', default: 1024, description: 'prompt length for the prefill bound', group: 'Workload' },
  { name: 'output-tokens', kind: 'int', parse: (r) => Math.round(positive(r)), placeholder: 'N', default: 256, description: 'generated tokens (decode is bounded at input + output/2 in context)', group: 'Workload' },
];

export const ESTIMATE_OUTPUT_OPTIONS: readonly OptionDef[] = [
  { name: 'format', kind: 'string', choices: TABLE_FORMATS, default: 'table', description: 'output format', group: 'Output' },
  { name: 'json', kind: 'boolean', description: 'same as --format json', group: 'Output' },
];

export const ESTIMATE_OPTIONS: readonly OptionDef[] = [
  ...ESTIMATE_MODEL_OPTIONS,
  ...ESTIMATE_HARDWARE_OPTIONS,
  ...ESTIMATE_ENGINE_OPTIONS,
  ...ESTIMATE_WORKLOAD_OPTIONS,
  ...ESTIMATE_OUTPUT_OPTIONS,
];
