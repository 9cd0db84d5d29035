/**
 * SGLang (protocols.md §3). OpenAI mode: `ignore_eos` + `min_tokens`. Native mode: POST /generate
 * `{text, sampling_params: {max_new_tokens, min_new_tokens, ignore_eos, ...}, stream: true}`; each event is
 * `data: {text, output_ids, meta_info}` and `text` is **cumulative** by default (the incremental form of
 * `--incremental-streaming-output` is recognised too); the chunk's token count is the growth of
 * `meta_info.completion_tokens` (`output_ids` semantics vary by version); `[DONE]` ends it. Server timings:
 * `meta_info.e2e_latency` (seconds) and cached_tokens. Tokenizer: /tokenize (vLLM form). Cache reset: /flush_cache.
 */
import { finishType, type Json, nativeStream, num } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { type GenerationRequest, type LengthForcing, type StreamSink, promptText } from './target.js';

/**
 * Turns the `text` of successive /generate events into deltas. Whether the stream is cumulative (the default) or
 * incremental (--incremental-streaming-output) is decided once per request, at the first non-empty text that differs
 * from the first one: one that extends it means cumulative, anything else incremental. Deciding per event would drop
 * an incremental segment that happens to start with all the text before it (repeated "\n" tokens). Until then a text
 * equal to the first is held back: it is new text only if the stream turns out to be incremental.
 */
function textDeltas(): (text: string) => string {
  let mode: 'cumulative' | 'incremental' | null = null;
  let prev = '';
  let held = 0;
  return (text) => {
    if (!text) return '';
    if (mode === null) {
      if (!prev) {
        prev = text;
        return text;
      }
      if (text === prev) {
        held++;
        return '';
      }
      mode = text.startsWith(prev) ? 'cumulative' : 'incremental';
      if (mode === 'incremental') return prev.repeat(held) + text;
    }
    if (mode === 'incremental') return text;
    const delta = text.startsWith(prev) ? text.slice(prev.length) : text;
    prev = text;
    return delta;
  };
}

export class SglangTarget extends OpenAiTarget {
  protected override lengthForcing(): LengthForcing {
    return this.opts.api === 'native' ? 'ignore_eos' : 'ignore_eos+min_tokens';
  }

  override async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    if (this.opts.api !== 'native') return super.send(req, sink, signal);
    const sp: Record<string, unknown> = {};
    if (req.max_tokens !== null) sp.max_new_tokens = req.max_tokens;
    if (req.force_length && req.max_tokens !== null) Object.assign(sp, { ignore_eos: true, min_new_tokens: req.max_tokens });
    if (req.temperature !== null) sp.temperature = req.temperature;
    const body: Record<string, unknown> = { text: promptText(req), sampling_params: sp, stream: true };
    if (req.seed !== null) sp.sampling_seed = req.seed;
    Object.assign(body, req.extra_body);
    const textDelta = textDeltas();
    let prevTokens = 0;
    await nativeStream(this.http, sink, signal, {
      path: '/generate',
      body,
      format: 'sse',
      requestId: req.id,
      onObject: (o) => {
        const delta = textDelta(typeof o.text === 'string' ? o.text : '');
        const mi = (o.meta_info ?? {}) as Json;
        const ct = num(mi.completion_tokens);
        const n = ct !== null ? Math.max(0, ct - prevTokens) : null;
        if (ct !== null) prevTokens = ct;
        if (delta || n) sink.delta({ text: delta || undefined, tokens: n ?? undefined });
        const fr = finishType(mi.finish_reason);
        if (fr === null) return false;
        sink.usage({ prompt_tokens: num(mi.prompt_tokens), completion_tokens: ct, cached_tokens: num(mi.cached_tokens), reasoning_tokens: num(mi.reasoning_tokens) });
        const e2e = num(mi.e2e_latency);
        sink.serverTimings({ source: 'sglang.meta_info', e2e_ms: e2e === null ? null : e2e * 1000, prompt_tokens: num(mi.prompt_tokens), cached_tokens: num(mi.cached_tokens), output_tokens: ct });
        sink.finish(fr);
        return true;
      },
    });
  }

  async resetCache(): Promise<boolean> {
    try {
      let r = await this.http.json('POST', '/flush_cache', undefined, { timeoutMs: 10_000 });
      if (r.status === 405) r = await this.http.json('GET', '/flush_cache', undefined, { timeoutMs: 10_000 });
      return r.status === 200;
    } catch {
      return false;
    }
  }
}
