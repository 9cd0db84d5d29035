/**
 * A tokenizer llmbench can count with: the server's tokenize endpoint, a local tokenizer.json / GGUF vocab, or
 * the embedded engine's own. Workloads use it to build prompts of exact length; the runner uses it to count
 * output tokens when a server reports no usage.
 */
import { type ChatMessage } from './chat.js';

export interface Tokenizer {
  /** 'server_tokenizer' | 'local_tokenizer' | 'engine' ... recorded as the count's source. */
  readonly source: 'server_tokenizer' | 'local_tokenizer' | 'engine';
  /** Human description: "vLLM /tokenize", "tokenizer.json (Qwen2TokenizerFast)". */
  readonly description: string;
  /** Token ids of plain text, without BOS/special tokens the server would add. */
  encode(text: string): Promise<number[]>;
  /** Text of token ids, when the tokenizer can decode (servers with /detokenize, local tokenizers). */
  decode?(ids: number[]): Promise<string>;
  /**
   * Tokens the model sees for a chat prompt, template included, when the tokenizer can apply the chat template
   * (vLLM/SGLang /tokenize with `messages`, llama.cpp /apply-template, local GGUF templates). Null when it can't.
   */
  countChat?(messages: ChatMessage[]): Promise<number | null>;
  /** Tokens the model sees for a completions prompt (BOS included where the server adds one). */
  countPrompt?(text: string): Promise<number>;
}
