/**
 * Triton Inference Server's generate extension with the TensorRT-LLM `ensemble` (protocols.md §5.2, §5.3).
 * POST /v2/models/{model}/generate_stream with the ensemble's tensors as top-level keys: `text_input`,
 * `max_tokens`, `stream: true`, and `min_tokens == max_tokens` to force the length (no ignore_eos). Each response is
 * `data: {...}` with `text_output`; there is **no [DONE]**: the stream ends when the connection closes. Errors before
 * inference are HTTP 4xx `{"error": "..."}`, later ones an error object inside the 200 stream.
 * `return_num_output_tokens` and `return_perf_metrics` exist only in newer ensemble configs: they are asked for, and
 * dropped for the rest of the run when the model rejects them. Perf outputs (`*_time_ns`) become server timings.
 */
import { SetupError } from '../core/errors.js';
import { errorMessage } from '../net/http.js';
import { type Json, nativeStream, num, rejectedField } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { type GenerationRequest, type LengthForcing, RequestFailure, type StreamSink, promptText } from './target.js';

const OPTIONAL = ['return_num_output_tokens', 'return_perf_metrics'];

/** `num_output_tokens` per response: cumulative or per-response depending on the backend (UNVERIFIED); decided from the sequence. */
export function outputTokenCount(values: number[]): number | null {
  if (!values.length) return null;
  const nonDecreasing = values.every((v, i) => i === 0 || v >= values[i - 1]!);
  const grows = values.some((v, i) => i > 0 && v > values[i - 1]!);
  const last = values[values.length - 1]!;
  if (values.length === 1 || (nonDecreasing && grows && last >= values.length)) return last;
  return values.reduce((a, b) => a + b, 0);
}

export function tritonTimings(o: Json): Parameters<StreamSink['serverTimings']>[0] | null {
  const arrival = num(o.arrival_time_ns);
  const sched = num(o.first_scheduled_time_ns);
  const first = num(o.first_token_time_ns);
  const last = num(o.last_token_time_ns);
  if (arrival === null && first === null) return null;
  const d = (a: number | null, b: number | null) => (a !== null && b !== null ? (b - a) / 1e6 : null);
  return { source: 'triton.perf_metrics', queue_ms: d(arrival, sched), ttft_ms: d(arrival, first), decode_ms: d(first, last), e2e_ms: d(arrival, last) };
}

export class TritonTarget extends OpenAiTarget {
  private optionalRejected = false;

  protected override lengthForcing(): LengthForcing {
    return 'min_tokens';
  }

  override async init(): Promise<this> {
    if (!this.info.model) this.info.model = 'ensemble';
    try {
      const v = await this.http.json('GET', '/v2', undefined, { timeoutMs: 15_000 });
      const j = v.json as { name?: string; version?: string } | null;
      if (v.status === 200 && j) this.info.version = j.version ?? null;
      const m = await this.http.json('GET', `/v2/models/${encodeURIComponent(this.info.model)}`, undefined, { timeoutMs: 15_000 });
      if (m.status === 404 || m.status === 400) {
        throw new SetupError('LLMBENCH_MODEL_NOT_FOUND', `Triton at ${this.info.url} has no model '${this.info.model}': ${errorMessage(m.text)}`, 'name the generate model with --model (the TensorRT-LLM ensemble is usually "ensemble")');
      }
    } catch (e) {
      if (e instanceof SetupError) throw e;
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${this.info.url}: ${(e as RequestFailure).message}`, 'check that tritonserver is running and the --target port is its HTTP port (8000)');
    }
    return this;
  }

  override async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendStream(req, sink, signal);
      } catch (e) {
        const f = attempt < 2 ? rejectedField(e, [...(this.optionalRejected ? [] : OPTIONAL), ...(this.lengthRejected ? [] : ['min_tokens'])]) : null;
        if (!f) throw e;
        if (f === 'min_tokens') {
          this.lengthRejected = true;
          this.info.length_forcing = 'none';
          sink.note(`length_not_forced: the model rejected min_tokens (${(e as Error).message.slice(0, 200)})`);
        } else {
          this.optionalRejected = true;
        }
        sink.retry();
      }
    }
  }

  private async sendStream(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    // The ensemble requires max_tokens; without --output-tokens/--max-tokens 256 is asked for.
    const body: Record<string, unknown> = { text_input: promptText(req), stream: true, max_tokens: req.max_tokens ?? 256 };
    if (req.force_length && req.max_tokens !== null && !this.lengthRejected) body.min_tokens = req.max_tokens;
    if (req.temperature !== null) body.temperature = req.temperature;
    if (req.seed !== null) body.seed = req.seed;
    if (!this.optionalRejected) Object.assign(body, { return_num_output_tokens: true, return_perf_metrics: true });
    Object.assign(body, req.extra_body);
    const counts: number[] = [];
    let last: Json | null = null;
    await nativeStream(this.http, sink, signal, {
      path: `/v2/models/${encodeURIComponent(this.info.model)}/generate_stream`,
      body,
      format: 'sse',
      requestId: req.id,
      onObject: (o) => {
        last = o;
        const text = typeof o.text_output === 'string' ? o.text_output : '';
        const n = num(o.num_output_tokens);
        if (n !== null) counts.push(n);
        if (text || n) sink.delta({ text: text || undefined });
        return false;
      },
      onEnd: () => {
        const completion = outputTokenCount(counts);
        if (completion !== null) sink.usage({ prompt_tokens: last ? num(last.num_input_tokens) : null, completion_tokens: completion });
        const t = last ? tritonTimings(last) : null;
        if (t) sink.serverTimings(t);
        // No terminator in this protocol: a stream that closed cleanly after at least one response is complete.
        if (!last) return false;
        sink.finish(null);
        return true;
      },
    });
  }
}
