/**
 * Incremental detokenization: the text of each new token, given the tokens before it (SPM drops a leading space
 * when a piece is detokenized alone, so the previous tokens are passed as context), holding tokens back while
 * they end in an incomplete UTF-8 sequence (byte-fallback tokens decode to U+FFFD until the sequence completes).
 */
import { type LlamaModel, type Token } from 'node-llama-cpp';

export class TextStream {
  private pending: Token[] = [];
  private context: Token[];
  detokenizeMs = 0;
  constructor(private readonly model: LlamaModel, prompt: readonly number[]) {
    this.context = prompt.slice(-4) as Token[];
  }
  push(tok: number, final = false): string {
    const t0 = performance.now();
    this.pending.push(tok as Token);
    const text = this.model.detokenize(this.pending, false, this.context);
    let out = '';
    // A UTF-8 character is at most 4 bytes, so at most 4 byte tokens are ever held.
    if (final || !text.endsWith('\uFFFD') || this.pending.length >= 4) {
      out = text;
      this.context = [...this.context, ...this.pending].slice(-4);
      this.pending = [];
    }
    this.detokenizeMs += performance.now() - t0;
    return out;
  }
}
