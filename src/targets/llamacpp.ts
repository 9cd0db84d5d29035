/**
 * llama.cpp `llama-server` (protocols.md §7; checked against the b4748 transcripts in shared/fixtures).
 * OpenAI mode: /v1/chat/completions, /v1/completions with `timings` on the final chunk (every chunk on 2026 builds;
 * cumulative, so the last one wins). Native mode: POST /completion, `data: {content, tokens:[ids], stop:false}` per
 * token, a final `stop: true` event with `timings`, `stop_type`, `tokens_predicted`, `tokens_evaluated`; no [DONE].
 * Exact length: `ignore_eos` (no min_tokens field). Tokenizer: /tokenize (llama.cpp form, probed by the base class).
 * Cache reset: there is no global one; every slot is erased through POST /slots/{id}?action=erase.
 */
import { type Json, nativeStream, num } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { type GenerationRequest, type LengthForcing, type StreamSink, promptText } from './target.js';

/** llama.cpp `timings` (ms) → ServerTimings. */
export function llamacppTimings(t: Json): Parameters<StreamSink['serverTimings']>[0] {
  const prefill = num(t.prompt_ms);
  const decode = num(t.predicted_ms);
  return {
    source: 'llamacpp.timings',
    // The first token is sampled from the prompt's logits, so the server's TTFT is its prompt time, and its E2E is
    // prompt + predicted time (tokenisation and HTTP are outside both): what client-minus-server compares against.
    ttft_ms: prefill,
    e2e_ms: prefill !== null && decode !== null ? prefill + decode : null,
    prefill_ms: prefill,
    decode_ms: decode,
    prompt_tokens: num(t.prompt_n),
    cached_tokens: num(t.cache_n),
    output_tokens: num(t.predicted_n),
    draft_tokens: num(t.draft_n),
    draft_accepted_tokens: num(t.draft_n_accepted),
  };
}

const STOP_TYPE: Record<string, string> = { limit: 'length', eos: 'stop', word: 'stop', none: 'stop' };

export class LlamacppTarget extends OpenAiTarget {
  protected override lengthForcing(): LengthForcing {
    return 'ignore_eos';
  }

  protected override lengthFields(): Record<string, unknown> {
    return { ignore_eos: true };
  }

  protected override onChunkExtras(chunk: Record<string, unknown>, sink: StreamSink): void {
    if (chunk.timings && typeof chunk.timings === 'object') sink.serverTimings(llamacppTimings(chunk.timings as Json));
  }

  override async init(): Promise<this> {
    await super.init();
    try {
      const r = await this.http.json('GET', '/props', undefined, { timeoutMs: 10_000 });
      const p = r.json as { default_generation_settings?: { n_ctx?: number }; build_info?: string } | null;
      if (r.status === 200 && p) {
        if (typeof p.default_generation_settings?.n_ctx === 'number') this.info.n_ctx = p.default_generation_settings.n_ctx;
        if (typeof p.build_info === 'string') this.info.build = p.build_info;
      }
    } catch {
      // /props is optional
    }
    return this;
  }

  override async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    if (this.opts.api !== 'native') return super.send(req, sink, signal);
    const body: Record<string, unknown> = { prompt: promptText(req), stream: true };
    if (req.max_tokens !== null) body.n_predict = req.max_tokens;
    if (req.force_length && req.max_tokens !== null) body.ignore_eos = true;
    if (req.temperature !== null) body.temperature = req.temperature;
    if (req.seed !== null) body.seed = req.seed;
    Object.assign(body, req.extra_body);
    let predicted = 0;
    await nativeStream(this.http, sink, signal, {
      path: '/completion',
      body,
      format: 'sse',
      requestId: req.id,
      onObject: (o) => {
        const text = typeof o.content === 'string' ? o.content : '';
        const ids = Array.isArray(o.tokens) ? o.tokens.length : null;
        const tp = num(o.tokens_predicted);
        // Older builds send no `tokens`: the growth of tokens_predicted is the chunk's token count.
        const n = ids ?? (tp !== null ? Math.max(0, tp - predicted) : null);
        if (tp !== null) predicted = tp;
        if (o.stop !== true && (text || n)) sink.delta({ text: text || undefined, tokens: n || undefined });
        if (o.stop === true) {
          if (text) sink.delta({ text, tokens: n || undefined });
          sink.usage({ prompt_tokens: num(o.tokens_evaluated), completion_tokens: num(o.tokens_predicted) });
          if (o.timings && typeof o.timings === 'object') sink.serverTimings(llamacppTimings(o.timings as Json));
          sink.finish(typeof o.stop_type === 'string' ? (STOP_TYPE[o.stop_type] ?? o.stop_type) : 'stop');
          return true;
        }
      },
    });
  }

  async resetCache(): Promise<boolean> {
    try {
      const r = await this.http.json('GET', '/slots', undefined, { timeoutMs: 10_000 });
      if (r.status !== 200 || !Array.isArray(r.json)) return false;
      let ok = true;
      for (const s of r.json as Array<{ id?: number }>) {
        if (typeof s.id !== 'number') continue;
        const e = await this.http.json('POST', `/slots/${s.id}?action=erase`, {}, { timeoutMs: 10_000 });
        ok &&= e.status === 200;
      }
      return ok;
    } catch {
      return false;
    }
  }
}
