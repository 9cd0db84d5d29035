/**
 * What to send. A Workload turns (repeat, index) into the prompt of one request; it never decides when to send
 * (src/schedules) or how (src/targets).
 */
import { type ChatMessage } from '../core/chat.js';
import { type TokenCountSource } from '../core/record.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { type ApiStyle } from '../core/target-info.js';

export interface PromptItem {
  messages?: ChatMessage[];
  prompt?: string;
  /** Exact tokens the model will see, when the workload knows them (synthetic prompts); else null. */
  input_tokens: number | null;
  input_tokens_source: TokenCountSource | null;
  /** Requested output tokens (max_tokens); null leaves the server's default / the --max-tokens cap. */
  output_tokens: number | null;
  /** Whether to ask for exactly output_tokens (synthetic grids: yes; datasets: natural length). */
  force_length: boolean;
  /** Dataset bookkeeping: which item, and the gold answer to score against. */
  meta?: { dataset?: string; item?: number; gold?: string | null; [k: string]: unknown };
}

export interface WorkloadContext {
  api: ApiStyle;
  /** The best tokenizer available (server endpoint, local file, or engine); null when none. */
  tokenizer: Tokenizer | null;
  seed: number;
  signal: AbortSignal;
  /**
   * Sends one tiny request (1 output token) and returns the server's usage.prompt_tokens, or null when the
   * server reports none. Lets a workload calibrate prompt sizes when no tokenizer is available.
   */
  probe?(item: PromptItem): Promise<number | null>;
}

/**
 * The item a request index stands for in a list of `n`, wrapping around when more requests than items are asked
 * for. Warmup requests have negative indexes (-warmup … -1), so plain `index % n` would index below 0.
 */
export function itemIndex(index: number, n: number): number {
  return ((index % n) + n) % n;
}

/** A run of prompt tokens a prefix cache could serve again: the same `key` means the same tokens from the start. */
export interface PrefixBlock {
  key: string;
  tokens: number;
}

export interface Workload {
  /** Recorded in results.json scenarios[].workload. */
  describe(): Record<string, unknown>;
  /** Builds/loads whatever it needs once per scenario (tokenizes, reads files). Throw UsageError for bad input. */
  prepare(ctx: WorkloadContext): Promise<void>;
  /** How many distinct items it has (datasets, prompt files), or null when unbounded (synthetic). */
  size(): number | null;
  item(repeat: number, index: number): Promise<PromptItem>;
  /** Trace replay: the send offset (ms from the phase start) of each request index, for an open-loop `trace` load. */
  arrivals?(): number[];
  /**
   * The shareable prefix blocks of request (repeat, index) and its whole prompt length, as the workload designs
   * them (no tokenizer needed), for prefix_cache_hit_rate_max; null when unknown.
   */
  prefixBlocks?(repeat: number, index: number): { blocks: PrefixBlock[]; total: number } | null;
  /** Scores a finished request's text against the item's gold answer, when the workload has answers. */
  score?(item: PromptItem, outputText: string): { extracted: string | null; gold: string | null; correct: boolean | null };
}
