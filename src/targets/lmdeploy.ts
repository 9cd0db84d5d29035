/**
 * LMDeploy api_server (protocols.md §4). Chat: `ignore_eos` + `min_new_tokens`; completions: `ignore_eos` (no
 * min_new_tokens field there). Native: POST /generate `{prompt, max_tokens, ignore_eos, stream}` →
 * `data: {text (delta), output_ids (delta), meta_info{prompt_tokens, completion_tokens (cumulative), finish_reason}}`
 * then [DONE]. No timings in responses (use /metrics). Tokenizer: POST /v1/encode `{input, add_bos}` →
 * `{input_ids, length}`. No cache-reset endpoint.
 */
import { type Tokenizer } from '../core/tokenizer.js';
import { type HttpClient } from '../net/http.js';
import { finishType, type Json, nativeStream, num } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { type GenerationRequest, type LengthForcing, type StreamSink, promptText } from './target.js';

export class LmdeployTokenizer implements Tokenizer {
  readonly source = 'server_tokenizer' as const;
  readonly description = 'LMDeploy POST /v1/encode';
  constructor(private readonly http: HttpClient) {}

  private async ids(text: string, addBos: boolean): Promise<number[]> {
    const r = await this.http.json('POST', '/v1/encode', { input: text, do_preprocess: false, add_bos: addBos });
    const ids = (r.json as { input_ids?: unknown } | null)?.input_ids;
    if (r.status !== 200 || !Array.isArray(ids)) throw new Error(`LMDeploy /v1/encode failed: HTTP ${r.status}`);
    return ids as number[];
  }

  encode(text: string): Promise<number[]> {
    return this.ids(text, false);
  }

  async countPrompt(text: string): Promise<number> {
    return (await this.ids(text, true)).length;
  }

  static async probe(http: HttpClient): Promise<LmdeployTokenizer | null> {
    try {
      const r = await http.json('POST', '/v1/encode', { input: 'Hello world', add_bos: false }, { timeoutMs: 10_000 });
      return r.status === 200 && Array.isArray((r.json as { input_ids?: unknown } | null)?.input_ids) ? new LmdeployTokenizer(http) : null;
    } catch {
      return null;
    }
  }
}

export class LmdeployTarget extends OpenAiTarget {
  protected override lengthForcing(): LengthForcing {
    return this.opts.api === 'chat' ? 'ignore_eos+min_tokens' : 'ignore_eos';
  }

  protected override lengthFields(n: number): Record<string, unknown> {
    return this.opts.api === 'chat' ? { ignore_eos: true, min_new_tokens: n } : { ignore_eos: true };
  }

  override async init(): Promise<this> {
    await super.init();
    if (!this.serverTokenizer) {
      this.serverTokenizer = await LmdeployTokenizer.probe(this.http);
      this.info.tokenizer = this.serverTokenizer?.description ?? null;
    }
    return this;
  }

  override async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    if (this.opts.api !== 'native') return super.send(req, sink, signal);
    const body: Record<string, unknown> = { prompt: promptText(req), stream: true };
    if (req.max_tokens !== null) body.max_tokens = req.max_tokens;
    if (req.force_length && req.max_tokens !== null) body.ignore_eos = true;
    if (req.temperature !== null) body.temperature = req.temperature;
    if (req.seed !== null) body.seed = req.seed;
    Object.assign(body, req.extra_body);
    let prevTokens = 0;
    await nativeStream(this.http, sink, signal, {
      path: '/generate',
      body,
      format: 'sse',
      requestId: req.id,
      onObject: (o) => {
        const text = typeof o.text === 'string' ? o.text : '';
        const mi = (o.meta_info ?? {}) as Json;
        const ids = Array.isArray(o.output_ids) ? o.output_ids.length : null;
        const ct = num(mi.completion_tokens);
        const n = ids ?? (ct !== null ? Math.max(0, ct - prevTokens) : null);
        if (ct !== null) prevTokens = ct;
        if (text || n) sink.delta({ text: text || undefined, tokens: n || undefined });
        const fr = mi.finish_reason ? finishType(mi.finish_reason) : null;
        if (fr === null) return false;
        sink.usage({ prompt_tokens: num(mi.prompt_tokens), completion_tokens: ct });
        sink.finish(fr);
        return true;
      },
    });
  }
}
