/**
 * Hugging Face TGI (protocols.md §6). Exact length cannot be forced (`ignore_eos_token: false` is hard-coded in its
 * validation; no min_tokens): length_forcing 'none', and the results say so. Native: POST /generate_stream
 * `{inputs, parameters: {max_new_tokens, details: true, ...}}`; events are `data:{...}` *without* a space, exactly
 * one `token` each (the EOS step arrives as a special token with empty text and is counted), the last carries
 * `generated_text` and `details{finish_reason, generated_tokens, input_length}`; no [DONE]. Errors arrive inside the
 * 200 stream as `{"error": "...", "error_type": "..."}`. Timings: only non-streaming responses carry x-*-time
 * headers, so streams have none. Tokenizer: POST /tokenize `{inputs}` → `[{id, text, start, stop}]`.
 */
import { type Tokenizer } from '../core/tokenizer.js';
import { type HttpClient } from '../net/http.js';
import { type Json, nativeStream, num } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { type GenerationRequest, type LengthForcing, type StreamSink, promptText } from './target.js';

/**
 * The `{inputs, parameters}` request of TGI's native API, which MindIE's native endpoints copy: `details` for the
 * final counts, `max_new_tokens`, sampling only for a positive temperature (TGI rejects temperature 0 as "must be
 * strictly positive"; `greedyDoSample` sends an explicit do_sample false), and --extra-body's `parameters` merged
 * in while its other keys go top-level.
 */
export function tgiStyleParameters(req: GenerationRequest, greedyDoSample: boolean): { parameters: Record<string, unknown>; extraTop: Record<string, unknown> } {
  const parameters: Record<string, unknown> = { details: true };
  if (req.max_tokens !== null) parameters.max_new_tokens = req.max_tokens;
  if (req.temperature !== null && req.temperature > 0) Object.assign(parameters, { temperature: req.temperature, do_sample: true });
  else if (greedyDoSample) parameters.do_sample = false;
  if (req.seed !== null) parameters.seed = req.seed;
  const { parameters: extraParams, ...extraTop } = req.extra_body as { parameters?: Record<string, unknown> };
  Object.assign(parameters, extraParams ?? {});
  return { parameters, extraTop };
}

export class TgiTokenizer implements Tokenizer {
  readonly source = 'server_tokenizer' as const;
  readonly description = 'TGI POST /tokenize';
  constructor(private readonly http: HttpClient) {}

  async encode(text: string): Promise<number[]> {
    const r = await this.http.json('POST', '/tokenize', { inputs: text });
    if (r.status !== 200 || !Array.isArray(r.json)) throw new Error(`TGI /tokenize failed: HTTP ${r.status}`);
    return (r.json as Array<{ id: number }>).map((t) => t.id);
  }

  async countPrompt(text: string): Promise<number> {
    return (await this.encode(text)).length;
  }

  static async probe(http: HttpClient): Promise<TgiTokenizer | null> {
    try {
      const r = await http.json('POST', '/tokenize', { inputs: 'Hello world' }, { timeoutMs: 10_000 });
      return r.status === 200 && Array.isArray(r.json) ? new TgiTokenizer(http) : null;
    } catch {
      return null;
    }
  }
}

export class TgiTarget extends OpenAiTarget {
  protected override lengthForcing(): LengthForcing {
    return 'none';
  }

  protected override lengthFields(): Record<string, unknown> {
    return {};
  }

  override async init(): Promise<this> {
    try {
      const r = await this.http.json('GET', '/info', undefined, { timeoutMs: 15_000 });
      const j = r.json as { model_id?: string; version?: string; max_total_tokens?: number; max_input_tokens?: number } | null;
      if (r.status === 200 && j) {
        if (!this.opts.model && j.model_id) this.info.model = j.model_id;
        if (typeof j.max_total_tokens === 'number') this.info.max_total_tokens = j.max_total_tokens;
      }
    } catch {
      // fall through to the OpenAI probe, which reports unreachable servers
    }
    if (this.opts.api === 'native') {
      if (!this.info.model) this.info.model = this.opts.model ?? 'tgi';
    } else {
      await super.init();
    }
    this.serverTokenizer = await TgiTokenizer.probe(this.http);
    this.info.tokenizer = this.serverTokenizer?.description ?? null;
    return this;
  }

  override async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    if (this.opts.api !== 'native') return super.send(req, sink, signal);
    const { parameters, extraTop } = tgiStyleParameters(req, true);
    if (req.force_length) sink.note('length_not_forced: TGI has no ignore_eos/min_tokens');
    await nativeStream(this.http, sink, signal, {
      path: '/generate_stream',
      body: { inputs: promptText(req), parameters, ...extraTop },
      format: 'sse',
      requestId: req.id,
      onObject: (o) => {
        const tok = o.token as Json | undefined;
        if (tok) {
          const text = tok.special === true ? '' : typeof tok.text === 'string' ? tok.text : '';
          sink.delta({ text: text || undefined, tokens: 1 });
        }
        if (o.generated_text === null || o.generated_text === undefined) return false;
        const d = (o.details ?? null) as Json | null;
        sink.usage({ prompt_tokens: d ? num(d.input_length) : null, completion_tokens: d ? num(d.generated_tokens) : null });
        const fr = d && typeof d.finish_reason === 'string' ? d.finish_reason : 'stop';
        sink.finish(fr === 'eos_token' || fr === 'stop_sequence' ? 'stop' : fr);
        return true;
      },
    });
  }
}
