/**
 * Suggested engine settings for a target context and concurrency, inverting each engine's pool rule
 * (src/estimate/engines.ts). Fractions are rounded up to 0.01 and capped where engines become unstable
 * (0.95 of total memory: CUDA graphs and the driver live outside the budget, pitfall 9).
 */
import { type EngineName, type PoolResult } from './engines.js';
import { type ModelShape } from './shape.js';

export type SuggestedSettings = Record<string, number | string | null>;

export interface SuggestInput {
  engine: EngineName;
  shape: ModelShape;
  pool: PoolResult;
  memoryBytes: number;
  weightsBytesPerDevice: number;
  neededKvBytes: number;
  context: number;
  concurrency: number;
  perTokenBytes: number;
}

const GiB = 2 ** 30;
const up2 = (x: number) => Math.ceil(x * 100 - 1e-9) / 100;
const cap = (x: number) => (x > 0.95 ? null : x);

export function suggestSettings(i: SuggestInput): SuggestedSettings {
  const { pool: p, memoryBytes: mem, weightsBytesPerDevice: W } = i;
  const kv = Math.max(i.neededKvBytes, p.sequence_bytes);
  const seqs = Math.max(0, p.max_concurrency);
  const maxLen = i.shape.maxContext ? Math.min(i.context, i.shape.maxContext) : i.context;
  // The longest context one sequence could have in the pool (for max_model_len when the target does not fit).
  const poolLen = i.perTokenBytes > 0 ? Math.floor(p.pool_bytes_per_device / i.perTokenBytes / p.block_size) * p.block_size : 0;
  switch (i.engine) {
    case 'vllm':
      return {
        gpu_memory_utilization: cap(up2((W + p.activation_bytes + p.runtime_bytes + kv) / mem)),
        max_num_seqs: Math.max(1, Math.min(seqs, 1024)),
        max_model_len: seqs >= 1 ? maxLen : poolLen > 0 ? poolLen : null,
        block_size: p.block_size,
      };
    case 'sglang':
      return {
        mem_fraction_static: cap(up2((W + p.runtime_bytes + kv) / mem)),
        max_running_requests: Math.max(1, seqs),
        context_length: seqs >= 1 ? maxLen : poolLen > 0 ? poolLen : null,
      };
    case 'trtllm': {
      const free = mem - W - p.activation_bytes - p.runtime_bytes;
      return {
        free_gpu_memory_fraction: free > 0 ? cap(up2(kv / free)) : null,
        max_batch_size: Math.max(1, seqs),
        max_seq_len: seqs >= 1 ? maxLen : poolLen > 0 ? poolLen : null,
        tokens_per_block: p.block_size,
      };
    }
    case 'mindie':
      return {
        npuMemSize: Math.max(1, Math.ceil(kv / GiB)),
        maxBatchSize: Math.max(1, seqs),
        maxSeqLen: maxLen,
        maxPrefillTokens: Math.max(maxLen, 8192),
        cacheBlockSize: p.block_size,
        NPU_MEMORY_FRACTION: p.knob?.value ?? 0.8,
      };
    case 'llamacpp': {
      // All layers on the device when weights + KV + compute fit; otherwise as many layers as fit.
      const free = mem - p.pool_bytes_per_device - p.activation_bytes - p.runtime_bytes;
      const perLayer = W / Math.max(1, i.shape.layers + 1);
      const layers = free >= W ? i.shape.layers + 1 : Math.max(0, Math.floor(free / perLayer));
      return {
        ctx_size: i.context * Math.max(1, i.concurrency),
        parallel: Math.max(1, i.concurrency),
        n_gpu_layers: layers >= i.shape.layers + 1 ? 'all' : layers,
        ...(p.max_tokens === null ? {} : { max_ctx_size: Math.floor(p.max_tokens / 256) * 256 }),
      };
    }
  }
}
