/**
 * Huawei MindIE Service (protocols.md §9). HTTPS with mutual TLS by default: --ca-cert, --client-cert, --client-key.
 * OpenAI mode: /v1/chat/completions with `ignore_eos` (UNVERIFIED in primary docs). In "native OpenAI" mode
 * (`openAiSupport` ≠ vllm) the usage carries `prefill_time` and `decode_time_arr` (ms), read as server timings.
 * Native: POST /infer `{inputs, stream: true, parameters{max_new_tokens, details: true, ...}}`; one token per event
 * `data: {prefill_time, decode_time, token{id, text}}` (prefill_time on the first, decode_time on later ones; ms,
 * UNVERIFIED); no known terminator, so a cleanly closed stream ends it. No min_tokens/ignore_eos on /infer →
 * length_forcing 'none' there. Metrics: Prometheus on the metrics port (give --metrics-url).
 */
import { SetupError } from '../core/errors.js';
import { type ServerTimings } from '../core/record.js';
import { type Json, nativeStream, num } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { tgiStyleParameters } from './tgi.js';
import { type GenerationRequest, type LengthForcing, type StreamSink, promptText } from './target.js';

/**
 * Server timings from `prefill_time` and the per-token decode times (ms). No decode times means the decode time is
 * unknown, not 0 ms; prefill + Σ decode is the server's end-to-end time.
 */
function mindieTimings(source: string, prefill: number | null, decodes: number[] | null): ServerTimings {
  const known = decodes !== null && decodes.length > 0 ? decodes : null;
  const decode = known ? known.reduce((a, b) => a + b, 0) : null;
  return { source, ttft_ms: prefill, e2e_ms: prefill !== null && decode !== null ? prefill + decode : null, prefill_ms: prefill, decode_ms: decode, decode_times_ms: known };
}

export class MindieTarget extends OpenAiTarget {
  protected override lengthForcing(): LengthForcing {
    return this.opts.api === 'native' ? 'none' : 'ignore_eos';
  }

  protected override lengthFields(): Record<string, unknown> {
    return { ignore_eos: true };
  }

  protected override onChunkExtras(chunk: Record<string, unknown>, sink: StreamSink): void {
    const u = chunk.usage as Json | null | undefined;
    if (!u || (u.prefill_time === undefined && u.decode_time_arr === undefined)) return;
    const arr = Array.isArray(u.decode_time_arr) ? (u.decode_time_arr as unknown[]).map(num).filter((x): x is number => x !== null) : null;
    sink.serverTimings(mindieTimings('mindie.usage', num(u.prefill_time), arr));
  }

  override async init(): Promise<this> {
    if (this.opts.api !== 'native') return super.init();
    if (!this.info.model) this.info.model = this.opts.model ?? 'mindie';
    // /infer needs no model name; GET /v2 (Triton-compatible server info) only checks that the server answers,
    // so a TLS or connection problem is a setup error before the run rather than N failed requests.
    try {
      const r = await this.http.json('GET', '/v2', undefined, { timeoutMs: 15_000 });
      const j = r.json as { version?: string } | null;
      if (r.status === 200 && typeof j?.version === 'string') this.info.version = j.version;
    } catch (e) {
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${this.info.url}: ${(e as Error).message}`, 'MindIE serves HTTPS with mutual TLS by default: pass --ca-cert, --client-cert and --client-key (or --insecure to skip verifying the server)');
    }
    return this;
  }

  override async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    if (this.opts.api !== 'native') return super.send(req, sink, signal);
    const { parameters, extraTop } = tgiStyleParameters(req, false);
    if (req.force_length) sink.note('length_not_forced: MindIE /infer has no ignore_eos/min_tokens');
    let prefill: number | null = null;
    const decodes: number[] = [];
    let finishReason: string | null = null;
    let generated: number | null = null;
    let any = false;
    await nativeStream(this.http, sink, signal, {
      path: '/infer',
      body: { inputs: promptText(req), stream: true, parameters, ...extraTop },
      format: 'sse',
      requestId: req.id,
      onObject: (o) => {
        any = true;
        const tok = o.token as Json | undefined;
        if (tok) {
          sink.delta({ text: typeof tok.text === 'string' && tok.text ? tok.text : undefined, tokens: 1 });
        }
        if (num(o.prefill_time) !== null && prefill === null) prefill = num(o.prefill_time);
        if (num(o.decode_time) !== null) decodes.push(num(o.decode_time)!);
        const d = o.details as Json | undefined;
        if (d) {
          if (typeof d.finish_reason === 'string') finishReason = d.finish_reason;
          generated = num(d.generated_tokens);
        }
        return false;
      },
      onEnd: () => {
        if (!any) return false;
        // Only the server's own count is usage; otherwise the recorder falls back to the one-token-per-event chunks.
        if (generated !== null) sink.usage({ completion_tokens: generated });
        // prefill_time is the server's time to the first token.
        sink.serverTimings(mindieTimings('mindie.infer', prefill, decodes));
        sink.finish(finishReason);
        return true;
      },
    });
  }
}
