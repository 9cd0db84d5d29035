/**
 * Ollama (protocols.md §8). Exact length cannot be forced (no ignore_eos/min_tokens): length_forcing 'none'.
 * Native: NDJSON from POST /api/generate `{model, prompt, stream, options{num_predict, temperature, seed}}` or
 * /api/chat `{model, messages, ...}`; the last line has `done: true`, `done_reason` and the counts and durations in
 * **nanoseconds** (`total_duration`, `load_duration`, `prompt_eval_duration`, `eval_duration`), converted to ms here.
 * Errors: `{"error": "..."}` lines inside a 200 stream. OpenAI mode: /v1 (usage chunk with include_usage). No
 * tokenize or metrics endpoint. Native requests go to /api/chat when the request has messages, else /api/generate.
 */
import { SetupError } from '../core/errors.js';
import { type Json, nativeStream, num } from './native-stream.js';
import { OpenAiTarget } from './openai.js';
import { type GenerationRequest, type LengthForcing, RequestFailure, type StreamSink } from './target.js';

const NS_PER_MS = 1e6;

export function ollamaTimings(o: Json): Parameters<StreamSink['serverTimings']>[0] {
  const ms = (v: unknown) => (num(v) === null ? null : num(v)! / NS_PER_MS);
  const load = ms(o.load_duration);
  const prefill = ms(o.prompt_eval_duration);
  return {
    source: 'ollama',
    // total_duration covers load + prompt eval + eval; the first token follows load and prompt evaluation.
    ttft_ms: prefill !== null ? (load ?? 0) + prefill : null,
    e2e_ms: ms(o.total_duration),
    load_ms: load,
    prefill_ms: prefill,
    decode_ms: ms(o.eval_duration),
    prompt_tokens: num(o.prompt_eval_count),
    output_tokens: num(o.eval_count),
  };
}

export class OllamaTarget extends OpenAiTarget {
  protected override lengthForcing(): LengthForcing {
    return 'none';
  }

  protected override lengthFields(): Record<string, unknown> {
    return {};
  }

  override async init(): Promise<this> {
    if (this.opts.api !== 'native') return super.init();
    let names: string[] = [];
    try {
      const v = await this.http.json('GET', '/api/version', undefined, { timeoutMs: 15_000 });
      if (v.status === 200) this.info.version = (v.json as { version?: string } | null)?.version ?? null;
      const t = await this.http.json('GET', '/api/tags', undefined, { timeoutMs: 15_000 });
      const models = (t.json as { models?: Array<{ name?: string }> } | null)?.models;
      if (Array.isArray(models)) names = models.map((m) => m.name).filter((x): x is string => typeof x === 'string');
    } catch (e) {
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${this.info.url}: ${(e as RequestFailure).message}`, 'check that ollama is running (ollama serve) and the --target host and port');
    }
    if (!this.opts.model) {
      if (!names.length) throw new SetupError('LLMBENCH_NO_MODEL', `${this.info.url}/api/tags lists no model`, 'pull one (ollama pull NAME) or name it with --model');
      this.info.model = names[0]!;
    }
    return this;
  }

  override async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    if (this.opts.api !== 'native') return super.send(req, sink, signal);
    const chat = !!req.messages?.length;
    const options: Record<string, unknown> = {};
    if (req.max_tokens !== null) options.num_predict = req.max_tokens;
    if (req.temperature !== null) options.temperature = req.temperature;
    if (req.seed !== null) options.seed = req.seed;
    const { options: extraOptions, ...extraTop } = req.extra_body as { options?: Record<string, unknown> };
    Object.assign(options, extraOptions ?? {});
    const body: Record<string, unknown> = { model: this.info.model, stream: true, options, ...(chat ? { messages: req.messages } : { prompt: req.prompt ?? '' }), ...extraTop };
    if (req.force_length) sink.note('length_not_forced: Ollama has no ignore_eos/min_tokens');
    await nativeStream(this.http, sink, signal, {
      path: chat ? '/api/chat' : '/api/generate',
      body,
      format: 'ndjson',
      requestId: req.id,
      onObject: (o) => {
        const msg = (o.message ?? {}) as Json;
        const text = chat ? (typeof msg.content === 'string' ? msg.content : '') : typeof o.response === 'string' ? o.response : '';
        const reasoning = chat ? (typeof msg.thinking === 'string' ? msg.thinking : '') : typeof o.thinking === 'string' ? o.thinking : '';
        if (text || reasoning) sink.delta({ text: text || undefined, reasoning: reasoning || undefined });
        if (o.done !== true) return false;
        sink.usage({ prompt_tokens: num(o.prompt_eval_count), completion_tokens: num(o.eval_count) });
        sink.serverTimings(ollamaTimings(o));
        sink.finish(typeof o.done_reason === 'string' ? o.done_reason : 'stop');
        return true;
      },
    });
  }
}
