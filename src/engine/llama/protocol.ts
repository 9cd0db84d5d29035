/**
 * Messages between the parent (EngineProcess) and the engine child process (worker.ts). Plain JSON over the
 * fork() IPC channel. Every timestamp the child sends is epoch ms from `epochNow()` (src/core/clock.ts), taken in
 * the child where the token was produced, so IPC latency never enters TTFT or inter-token latency.
 */
import { type ChatMessage } from '../../core/chat.js';
import { type CpuSetting } from './affinity.js';

export type KvCacheType = 'f16' | 'q8_0' | 'q4_0';

export interface EngineConfig {
  modelPath: string;
  threads: number;
  /** Logical batch (n_batch = n_ubatch in node-llama-cpp); null = node-llama-cpp's default. */
  batchSize: number | null;
  /** Context size per sequence; null = node-llama-cpp's "auto". */
  contextSize: number | null;
  /** Layers offloaded to the GPU; null = node-llama-cpp's "auto". 0 on a CPU-only build. */
  gpuLayers: number | null;
  kvCacheType: KvCacheType;
  /** null = node-llama-cpp's default ("auto"); forced on when the V cache is quantized. */
  flashAttention: boolean | null;
  /** Parallel sequences = most requests decoded at once (continuous batching across them). */
  sequences: number;
  /** false = CPU only; 'auto' = whatever GPU backend the prebuilt binaries offer. */
  gpu: false | 'auto';
  /**
   * Tokens are sent to the parent in messages at most this often (ms); 0 = one message per token. Timestamps are
   * taken per token in the engine either way, so only delivery is grouped: the embedded target uses it to keep
   * inter-process messaging off the decode loop; `serve` streams each token at once (0).
   */
  tokenFlushMs?: number;
  /** CPUs the engine process is pinned to (affinity.ts); absent = 'auto'. */
  cpus?: CpuSetting;
  /**
   * Reuse a free sequence's KV cells for the longest common token prefix of a new prompt, as llama.cpp's server
   * does (`cache_prompt`): `serve` turns it on; the in-process embedded target keeps it off (every request cold).
   */
  prefixCache?: boolean;
}

export type GenInput = { kind: 'prompt'; text: string } | { kind: 'chat'; messages: ChatMessage[] } | { kind: 'tokens'; ids: number[] };

export interface GenParams {
  /** null = up to the end of the sequence's context. */
  maxTokens: number | null;
  /** End-of-generation tokens are banned until this many tokens were generated (OpenAI-style min_tokens). */
  minTokens: number;
  /** Ban end-of-generation tokens for the whole request (llama.cpp / vLLM ignore_eos): exactly maxTokens. */
  ignoreEos: boolean;
  temperature: number;
  seed: number | null;
}

/** What the engine measured about one request (all ms). */
export interface GenEngineTimes {
  tokenize_ms: number;
  detokenize_ms: number;
  prefill_ms: number | null;
  decode_steps_ms: number[];
  queue_ms: number;
}

export interface GenEnd {
  reason: 'stop' | 'length' | 'cancelled';
  /** Epoch ms of the end (last token, or the end-of-generation token). */
  at: number;
  promptTokens: number;
  /** Prompt tokens whose KV cells were reused from an earlier request (prefix cache); 0 when none. */
  cachedTokens?: number;
  completionTokens: number;
  engine: GenEngineTimes;
}

/** Facts fixed at load time: recorded in results (`target`, `environment`). */
export interface EngineInfo {
  pid: number;
  model: { path: string; bytes: number; type: string; train_context: number; vocab_type: string; /** null when the GGUF lists no tokens. */ n_vocab: number | null; bos: number | null; eos: number | null; add_bos: boolean };
  /** 'jinja:...' / wrapper name when the GGUF has tokenizer.chat_template; else the fallback description. */
  chatTemplate: { kind: 'model' | 'fallback'; name: string; description: string };
  environment: Record<string, unknown>;
  contextSize: number;
  sequences: number;
  kvCacheBytes: number | null;
}

export interface EngineMemory {
  peak_rss_bytes: number | null;
  model_bytes: number | null;
  kv_cache_bytes: number | null;
  engine_ram_bytes: number | null;
  engine_vram_bytes: number | null;
}

export type CallOp = 'tokenize' | 'detokenize' | 'inputTokens' | 'countChat' | 'countPrompt' | 'score' | 'memory' | 'cpuUsage' | 'resetPrefixCache';

export type ParentMessage =
  | { t: 'init'; config: EngineConfig }
  | { t: 'gen'; id: number; input: GenInput; params: GenParams }
  | { t: 'cancel'; id: number }
  | { t: 'call'; id: number; op: CallOp; args: unknown }
  | { t: 'close' };

export type ChildMessage =
  | { t: 'ready'; info: EngineInfo }
  | { t: 'load_error'; message: string }
  | { t: 'start'; id: number; promptTokens: number; at: number }
  /** Tokens of one request: texts[i] was produced at ats[i] (epoch ms). */
  | { t: 'tok'; id: number; texts: string[]; ats: number[] }
  | { t: 'end'; id: number; end: GenEnd }
  | { t: 'fail'; id: number; message: string; code?: string }
  | { t: 'result'; id: number; value: unknown }
  | { t: 'closed' };
