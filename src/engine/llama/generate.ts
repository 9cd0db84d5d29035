/**
 * Child side: one generation on one context sequence, timed where it happens.
 *
 * Timing: `prefill_ms` is from handing the prompt to the engine until the first sampled token comes back
 * (prompt evaluation + first sample); each `decode_steps_ms` entry is from asking for the next token until it
 * comes back (one llama_decode of one token + sampling), so our own detokenize/IPC time between steps is excluded
 * from the steps (it is measured separately as detokenize_ms) but is part of what a client sees.
 *
 * Length forcing: like llama.cpp's `ignore_eos` (server: logit bias −inf on every end-of-generation token),
 * end-of-generation tokens get a −∞ logit bias, so the model writes exactly max_tokens tokens of real text.
 * node-llama-cpp's public TokenBias.set() skips EOG tokens on purpose, so the ban is written into its bias map
 * directly (`_biases`, read by the sampler config in LlamaContext.js getTokenBiasesForAddon, 3.21.1).
 */
import { TokenBias, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { type GenEnd, type GenInput, type GenParams } from './protocol.js';
import { inputTokens, type PromptTemplate } from './prompt.js';

export interface GenCallbacks {
  start(promptTokens: number, at: number): void;
  token(text: string, at: number): void;
  cancelled(): boolean;
}

export class GenerationError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

const eogBanCache = new WeakMap<LlamaModel, TokenBias>();

/** A TokenBias that bans every end-of-generation token of the model. */
export function eogBan(model: LlamaModel): TokenBias {
  let bias = eogBanCache.get(model);
  if (!bias) {
    bias = new TokenBias(model.tokenizer);
    const map = (bias as unknown as { _biases: Map<number, number> })._biases;
    for (const t of model.iterateAllTokens()) if (model.isEogToken(t)) map.set(t, -Infinity);
    eogBanCache.set(model, bias);
  }
  return bias;
}

/** Incremental detokenizer: holds tokens back while they end in an incomplete UTF-8 sequence (U+FFFD). */
class TextStream {
  private pending: Token[] = [];
  private context: Token[];
  detokenizeMs = 0;
  constructor(private readonly model: LlamaModel, prompt: readonly Token[]) {
    this.context = prompt.slice(-4);
  }
  push(tok: Token, final = false): string {
    const t0 = performance.now();
    this.pending.push(tok);
    const text = this.model.detokenize(this.pending, false, this.context);
    let out = '';
    if (final || !text.endsWith('\uFFFD') || this.pending.length >= 4) {
      out = text;
      this.context = [...this.context, ...this.pending].slice(-4);
      this.pending = [];
    }
    this.detokenizeMs += performance.now() - t0;
    return out;
  }
}

export async function generate(
  model: LlamaModel,
  seq: LlamaContextSequence,
  template: PromptTemplate,
  input: GenInput,
  params: GenParams,
  cb: GenCallbacks,
  queueMs: number,
): Promise<GenEnd> {
  const t0 = performance.now();
  const prompt = inputTokens(model, template, input);
  const tokenizeMs = performance.now() - t0;
  const ctxSize = seq.contextSize;
  if (prompt.length === 0) throw new GenerationError('the prompt has no tokens', 'empty_prompt');
  if (prompt.length >= ctxSize) {
    throw new GenerationError(`the prompt has ${prompt.length} tokens; the context holds ${ctxSize} per sequence`, 'context_length_exceeded');
  }
  const maxTokens = params.maxTokens ?? ctxSize - prompt.length;
  if (prompt.length + maxTokens > ctxSize) {
    throw new GenerationError(
      `prompt (${prompt.length} tokens) + max_tokens (${maxTokens}) exceed the context of ${ctxSize} tokens per sequence`,
      'context_length_exceeded',
    );
  }
  cb.start(prompt.length, performance.timeOrigin + performance.now());
  await seq.clearHistory();

  const ban = params.ignoreEos || params.minTokens > 0 ? eogBan(model) : null;
  const noBias = new TokenBias(model.tokenizer);
  const generated: Token[] = [];
  const tokenBias = ban === null ? undefined : params.ignoreEos ? ban : () => (generated.length < params.minTokens ? ban : noBias);
  const text = new TextStream(model, prompt);
  const steps: number[] = [];
  let prefillMs: number | null = null;
  let reason: GenEnd['reason'] = 'length';
  let endAt = performance.timeOrigin + performance.now();

  if (maxTokens > 0) {
    const it = seq.evaluate(prompt, {
      temperature: params.temperature,
      ...(params.seed !== null ? { seed: params.seed } : {}),
      yieldEogToken: true,
      ...(tokenBias ? { tokenBias } : {}),
    });
    try {
      let resumeAt = performance.now();
      for (;;) {
        const r = await it.next();
        const now = performance.now();
        if (r.done) {
          reason = 'stop';
          endAt = performance.timeOrigin + now;
          break;
        }
        if (prefillMs === null) prefillMs = now - resumeAt;
        else steps.push(now - resumeAt);
        const tok = r.value;
        if (model.isEogToken(tok)) {
          reason = 'stop';
          endAt = performance.timeOrigin + now;
          break;
        }
        generated.push(tok);
        const last = generated.length >= maxTokens;
        endAt = performance.timeOrigin + now;
        cb.token(text.push(tok, last), endAt);
        if (last) {
          reason = 'length';
          break;
        }
        if (cb.cancelled()) {
          reason = 'cancelled';
          break;
        }
        resumeAt = performance.now();
      }
    } finally {
      await it.return(undefined);
    }
  }
  return {
    reason,
    at: endAt,
    promptTokens: prompt.length,
    completionTokens: generated.length,
    engine: { tokenize_ms: tokenizeMs, detokenize_ms: text.detokenizeMs, prefill_ms: prefillMs, decode_steps_ms: steps, queue_ms: queueMs },
  };
}
