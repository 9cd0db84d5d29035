/**
 * How each engine sizes its KV pool per device (estimation.md §1.8). Engines measure activations at start-up,
 * so without `--kv-memory` (the figure an engine logs as available for KV) the pool is an estimate.
 *
 * vLLM    pool = total × gpu_memory_utilization − weights − activation peak − non-torch memory;
 *         blocks = floor(pool / (block_size × bytes per token)), tokens = blocks × block_size.
 * SGLang  pool = total × mem_fraction_static − weights − other; tokens = floor(pool / cell_size) (page 1).
 * TRT-LLM pool = (total − weights − activations − runtime) × free_gpu_memory_fraction; 32 tokens per block.
 * llama.cpp allocates exactly n_ctx cells (`-c`), the SWA layers min(n_ctx, pad256(W × n_seq + n_ubatch)).
 * MindIE  npuMemSize = (free per card − weights per card − workspace) × 0.8, in GiB; 128 tokens per block.
 */
import { type KvFootprint, sequenceBytes } from './kv.js';
import { type ModelShape } from './shape.js';

export type EngineName = 'vllm' | 'sglang' | 'trtllm' | 'llamacpp' | 'mindie';
export const ENGINES: readonly EngineName[] = ['vllm', 'sglang', 'trtllm', 'llamacpp', 'mindie'];

export interface EngineKnobs {
  gpuMemoryUtilization?: number;
  memFractionStatic?: number;
  freeGpuMemoryFraction?: number;
  /** MindIE npuMemSize, GiB per card. */
  npuMemSize?: number;
  blockSize?: number;
  /** GiB available for the KV pool per device, as the engine logged it. */
  kvMemory?: number;
}

export interface PoolInput {
  engine: EngineName;
  shape: ModelShape;
  memoryBytes: number;
  weightsBytesPerDevice: number;
  footprint: KvFootprint;
  tp: number;
  context: number;
  concurrency: number;
  knobs: EngineKnobs;
}

export interface PoolResult {
  engine: EngineName;
  /** The budget knob that applied and its value (default or given). */
  knob: { name: string; value: number } | null;
  /** Memory the engine lets itself use (total × fraction), bytes; null where no fraction applies. */
  budget_bytes: number | null;
  activation_bytes: number;
  /** CUDA context, NCCL, graphs, or the Ascend system reserve. */
  runtime_bytes: number;
  pool_bytes_per_device: number;
  pool_is_estimate: boolean;
  block_size: number;
  blocks: number | null;
  /** Null when the model keeps no per-token KV (pure recurrent): no token limit. */
  max_tokens: number | null;
  /** Bytes one sequence of `context` tokens needs on a device, with the engine's block rounding. */
  sequence_bytes: number;
  max_concurrency: number;
  /** max_tokens / context, as vLLM logs "Maximum concurrency for N tokens per request: Kx". */
  concurrency_ratio: number;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** vLLM's default batching (EngineArgs): ≥ 70 GiB GPUs other than A100 get 8192 batched tokens, others 2048. */
function profileTokens(memoryBytes: number): number {
  return memoryBytes >= 70 * GiB ? 8192 : 2048;
}

/**
 * Activation peak of the start-up profile run, per device: hidden states and FFN intermediates for the profiled
 * tokens in 16 bit, plus fp32 logits for the sampled sequences. A rough model; estimation.md §3 lists 0.4–1.3 GiB
 * for 7–8B models at default batching, and the engine's own log is the truth (`--kv-memory`).
 */
export function activationBytes(s: ModelShape, tokens: number, seqs: number, tp: number): number {
  const ffn = s.moe ? s.moe.topK * s.moe.expertIntermediate + s.moe.sharedExperts * s.moe.sharedIntermediate : s.intermediate;
  return Math.round(tokens * (4 * s.hidden + (3 * ffn) / tp) * 2 + Math.min(seqs, tokens) * (s.vocab / tp) * 4);
}

function runtimeBytes(engine: EngineName, tp: number): number {
  if (engine === 'mindie') return 3400 * MiB; // idle HBM in npu-smi: 3162–3416 MB per 910B (seed 001, §1.8)
  if (engine === 'llamacpp') return 300 * MiB;
  return tp > 1 ? 1.5 * GiB : 0.5 * GiB; // non-torch memory: 0.16–0.35 GiB at TP 1, ~1.8 GiB with NCCL (§3)
}

const ceilTo = (n: number, m: number) => Math.ceil(n / m) * m;

/** SGLang's legacy mem_fraction_static defaults by TP size (server_args.py). */
export function sglangDefaultFraction(tp: number): number {
  return tp >= 16 ? 0.79 : tp >= 8 ? 0.81 : tp >= 4 ? 0.85 : tp >= 2 ? 0.87 : 0.88;
}

export function sizePool(i: PoolInput): PoolResult {
  const { engine, shape: s, memoryBytes: mem, weightsBytesPerDevice: W, footprint: f, tp, context, knobs } = i;
  const given = knobs.kvMemory !== undefined ? knobs.kvMemory * GiB : null;
  const runtime = runtimeBytes(engine, tp);
  const window = s.slidingWindow ?? Infinity;
  let knob: PoolResult['knob'] = null;
  let budget: number | null = null;
  let act = 0;
  let pool: number;
  let blockSize: number;
  let slidingTokens: (n: number) => number;
  let seqTokens: (n: number) => number = (n) => n;

  switch (engine) {
    case 'vllm': {
      blockSize = knobs.blockSize ?? 16;
      const util = knobs.gpuMemoryUtilization ?? 0.9;
      knob = { name: 'gpu_memory_utilization', value: util };
      budget = mem * util;
      act = activationBytes(s, profileTokens(mem), mem >= 70 * GiB ? 1024 : 256, tp);
      pool = given ?? budget - W - act - runtime;
      // SlidingWindowSpec: min(W − 1 + max_num_batched_tokens, len) tokens, one extra block for alignment.
      slidingTokens = (n) => Math.min(n, ceilTo(Math.min(window - 1 + profileTokens(mem), n), blockSize) + blockSize);
      seqTokens = (n) => ceilTo(n, blockSize);
      break;
    }
    case 'sglang': {
      blockSize = knobs.blockSize ?? 1;
      const frac = knobs.memFractionStatic ?? sglangDefaultFraction(tp);
      knob = { name: 'mem_fraction_static', value: frac };
      budget = mem * frac;
      act = activationBytes(s, 8192, 256, tp); // lives in the 1 − mem_fraction_static left over
      pool = given ?? budget - W - runtime;
      slidingTokens = (n) => Math.min(n, window);
      seqTokens = (n) => ceilTo(n, blockSize);
      break;
    }
    case 'trtllm': {
      blockSize = knobs.blockSize ?? 32;
      const frac = knobs.freeGpuMemoryFraction ?? 0.9;
      knob = { name: 'free_gpu_memory_fraction', value: frac };
      act = activationBytes(s, 8192, 256, tp);
      pool = given ?? (mem - W - act - runtime) * frac;
      slidingTokens = (n) => Math.min(ceilTo(n, blockSize), ceilTo(window, blockSize));
      seqTokens = (n) => ceilTo(n, blockSize);
      break;
    }
    case 'mindie': {
      blockSize = knobs.blockSize ?? 128;
      const frac = knobs.gpuMemoryUtilization ?? 0.8;
      knob = { name: 'NPU_MEMORY_FRACTION', value: frac };
      act = activationBytes(s, 8192, 256, tp);
      budget = mem * frac;
      const auto = Math.floor(((mem - runtime - W - act) * frac) / GiB);
      const npuMemSize = knobs.npuMemSize ?? auto;
      pool = given ?? npuMemSize * GiB;
      slidingTokens = (n) => Math.min(n, window);
      seqTokens = (n) => ceilTo(n, blockSize);
      break;
    }
    case 'llamacpp': {
      blockSize = 1;
      const nSeq = Math.max(1, i.concurrency);
      const nCtx = context * nSeq;
      // llama-kv-cache-iswa.cpp: size_swa = min(size_base, GGML_PAD(n_swa × n_seq + n_ubatch, 256)), n_ubatch 512.
      const swaCells = Math.min(nCtx, ceilTo(window * nSeq + 512, 256));
      act = 512 * (s.vocab + 8 * s.hidden) * 4; // compute buffer: fp32 logits and activations of one ubatch
      pool = given ?? f.fullBytesPerToken * nCtx + f.slidingBytesPerToken * swaCells + f.stateBytesPerSequence * nSeq;
      slidingTokens = (n) => Math.min(n, window);
      break;
    }
  }
  pool = Math.max(0, Math.floor(pool));
  const seq = Math.ceil(sequenceBytes(f, seqTokens(context), slidingTokens));
  // llama.cpp: capacity if the whole device were given to KV, what `-c` could go up to.
  const room = engine === 'llamacpp' ? (given ?? Math.max(0, mem - W - act - runtime)) : pool;
  // Without attention KV (pure recurrent models) no token count limits the cache: null, not 0.
  let maxTokens: number | null = null;
  let blocks: number | null = null;
  if (f.bytesPerToken > 0) {
    if (engine === 'llamacpp') {
      maxTokens = Math.floor(room / f.bytesPerToken);
    } else {
      blocks = Math.floor(pool / (blockSize * f.bytesPerToken));
      maxTokens = blocks * blockSize;
      if (blockSize === 1) blocks = null;
    }
  }
  const ratio = seq > 0 ? room / seq : 0;
  // Uniform models: tokens / context, exactly as vLLM logs it. With sliding or recurrent layers a sequence costs
  // less than context × per-token bytes, so the ratio is pool / per-sequence bytes (vLLM's newer accounting).
  const uniform = f.slidingBytesPerToken === 0 && f.stateBytesPerSequence === 0 && engine !== 'llamacpp';
  const concurrencyRatio = uniform && context > 0 && maxTokens !== null ? maxTokens / context : ratio;
  return {
    engine,
    knob,
    budget_bytes: budget === null ? null : Math.floor(budget),
    activation_bytes: act,
    runtime_bytes: runtime,
    pool_bytes_per_device: pool,
    // llama.cpp allocates exactly n_ctx cells, so its pool is computed, not estimated.
    pool_is_estimate: engine !== 'llamacpp' && given === null,
    block_size: blockSize,
    blocks,
    max_tokens: maxTokens,
    sequence_bytes: seq,
    max_concurrency: Math.floor(concurrencyRatio),
    concurrency_ratio: concurrencyRatio,
  };
}
