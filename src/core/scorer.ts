/**
 * Log-probabilities of a given token sequence under a model: what perplexity is computed from.
 * The embedded engine implements it from its logits; servers with prompt log-probabilities implement it over
 * HTTP. Windowing, striding and the perplexity arithmetic live in src/quality, not here.
 */
export interface TokenScorer {
  /** "embedded (node-llama-cpp)", "vLLM /v1/completions echo+logprobs", ... */
  readonly description: string;
  /** Tokenizer used for the ids, recorded with the perplexity (values are only comparable under the same one). */
  readonly tokenizer: string;
  /** Longest sequence scoreTokens accepts (the context size). */
  readonly maxTokens: number;
  /**
   * The model's BOS token id, or null/absent when it adds none. llama-perplexity starts each window with BOS;
   * src/quality/perplexity.ts does the same with this id (and prepends it when tokenize() did not).
   */
  readonly bos?: number | null;
  /** Ids as the model sees the text: BOS first when the model adds one (llama.cpp common_tokenize(add_special=true)). */
  tokenize(text: string): Promise<number[]>;
  /**
   * Natural-log probability of ids[i] given ids[0..i-1], for every i; index 0 is null (nothing conditions it).
   * ids.length must be ≤ maxTokens.
   */
  scoreTokens(ids: number[]): Promise<Array<number | null>>;
}
