/**
 * vLLM's OpenAI-compatible server (protocols.md §2). Exact length: `ignore_eos` + `min_tokens` (both in
 * CompletionRequest and ChatCompletionRequest). Token counts: final `usage` chunk; `return_token_ids: true` adds
 * each chunk's delta ids (newer builds; older ones ignore unknown fields, OpenAIBaseModel has extra="allow").
 * Tokenizer: POST /tokenize (probed by the base class). Cache reset: POST /reset_prefix_cache (newer vLLM serves it
 * only with VLLM_SERVER_DEV_MODE=1; a 404 means "could not reset"). Metrics: /metrics.
 * Per-request timings exist only from v0.25 behind --enable-per-request-metrics (a `metrics` object on the usage
 * chunk); read when present, in ms already.
 */
import { num } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { type GenerationRequest, type StreamSink } from './target.js';

export class VllmTarget extends OpenAiTarget {
  protected override buildBody(req: GenerationRequest): Record<string, unknown> {
    const body = super.buildBody(req);
    if (!('return_token_ids' in req.extra_body)) body.return_token_ids = true;
    return body;
  }

  protected override onModels(json: unknown): void {
    const m = (json as { data?: Array<{ max_model_len?: number }> } | null)?.data?.[0];
    if (m && typeof m.max_model_len === 'number') this.info.max_model_len = m.max_model_len;
  }

  protected override onChunkExtras(chunk: Record<string, unknown>, sink: StreamSink): void {
    const m = chunk.metrics as Record<string, unknown> | undefined;
    if (!m || typeof m !== 'object') return;
    sink.serverTimings({
      source: 'vllm.metrics',
      ttft_ms: num(m.time_to_first_token_ms),
      queue_ms: num(m.queue_time_ms),
      decode_ms: num(m.generation_time_ms),
    });
  }

  async resetCache(): Promise<boolean> {
    try {
      const r = await this.http.json('POST', '/reset_prefix_cache', undefined, { timeoutMs: 10_000 });
      return r.status === 200;
    } catch {
      return false;
    }
  }
}
