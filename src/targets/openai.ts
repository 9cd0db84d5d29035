/**
 * Any OpenAI-compatible server: POST /v1/chat/completions or /v1/completions, streaming.
 * Server-specific adapters (src/targets/<server>.ts) extend this class and override the protected hooks:
 * which fields force an exact output length, and what extra a chunk carries (timings, token ids).
 *
 * Chunk rules (protocols.md §0.1, §1, §2.3): `data: [DONE]` ends the stream; every parsed object is checked for
 * an `error` key before `choices`; a chunk is token-bearing when it carries non-empty content, reasoning
 * (`reasoning_content` or `reasoning`) or token ids; a role-only or empty chunk is not; the usage chunk
 * (`choices: []`) does not move the end time.
 */
import { randomUUID } from 'node:crypto';
import { SetupError } from '../core/errors.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { errorMessage, HttpClient, serverRoot, type TlsOptions } from '../net/http.js';
import { ServerTokenizer } from './server-tokenizer.js';
import { SseReader } from './sse.js';
import { type ApiStyle, type GenerationRequest, type LengthForcing, RequestFailure, type StreamSink, type Target, type TargetInfo, promptText } from './target.js';

export interface OpenAiTargetOptions {
  url: string;
  api: ApiStyle;
  model?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Largest number of requests in flight: sizes the connection pool. */
  connections: number;
  tls?: TlsOptions;
  /** Adapter kind recorded in results ('openai', 'vllm', ...). */
  kind?: string;
}

interface ChunkChoice {
  delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
  text?: string | null;
  finish_reason?: string | null;
  token_ids?: number[] | null;
}

interface Chunk {
  error?: unknown;
  choices?: ChunkChoice[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number } | null;
    completion_tokens_details?: { reasoning_tokens?: number } | null;
    reasoning_tokens?: number;
  } | null;
  [k: string]: unknown;
}

/** Fields that servers reject by name when they don't support exact-length generation. */
const LENGTH_FIELDS = ['ignore_eos', 'min_tokens', 'min_new_tokens', 'min_length'];

export class OpenAiTarget implements Target {
  info: TargetInfo;
  protected readonly http: HttpClient;
  protected serverTokenizer: Tokenizer | null = null;
  /** Set when the server rejected the length-forcing fields: later requests no longer send them. */
  protected lengthRejected = false;

  constructor(protected readonly opts: OpenAiTargetOptions) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    this.http = new HttpClient({ baseUrl: serverRoot(opts.url), headers, timeoutMs: opts.timeoutMs, connections: opts.connections, tls: opts.tls });
    this.info = {
      kind: opts.kind ?? 'openai',
      url: serverRoot(opts.url),
      api: opts.api,
      model: opts.model ?? '',
      length_forcing: this.lengthForcing(),
      tokenizer: null,
    };
  }

  /** How this server forces exact lengths; adapters override. The generic target tries both common fields. */
  protected lengthForcing(): LengthForcing {
    return 'ignore_eos+min_tokens';
  }

  /** Body fields that force `n` output tokens; adapters override (e.g. TRT-LLM min_tokens only). */
  protected lengthFields(n: number): Record<string, unknown> {
    return { ignore_eos: true, min_tokens: n };
  }

  protected path(): string {
    return this.opts.api === 'completions' ? '/v1/completions' : '/v1/chat/completions';
  }

  /** Probes the server: is it up, which model, does it tokenize. Throws SetupError (exit 3) when unreachable. */
  async init(): Promise<this> {
    let models: string[] = [];
    try {
      const r = await this.http.json('GET', '/v1/models', undefined, { timeoutMs: Math.min(this.opts.timeoutMs, 15_000) });
      if (r.status === 401 || r.status === 403) {
        throw new SetupError('LLMBENCH_TARGET_AUTH', `${this.info.url} answered ${r.status} to GET /v1/models: ${errorMessage(r.text)}`, 'pass an API key with --api-key or LLMBENCH_API_KEY / OPENAI_API_KEY');
      }
      if (r.status === 200) {
        const data = (r.json as { data?: Array<{ id?: string }> } | null)?.data;
        if (Array.isArray(data)) models = data.map((m) => m.id).filter((x): x is string => typeof x === 'string');
        this.onModels(r.json);
      }
    } catch (e) {
      if (e instanceof SetupError) throw e;
      const f = e as RequestFailure;
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${this.info.url}: ${f.message}`, 'check that the server is running and that --target has the right host and port');
    }
    if (!this.opts.model) {
      if (!models.length) throw new SetupError('LLMBENCH_NO_MODEL', `${this.info.url}/v1/models lists no model`, 'name the model with --model');
      this.info.model = models[0]!;
    } else if (models.length && !models.includes(this.opts.model)) {
      throw new SetupError('LLMBENCH_MODEL_NOT_FOUND', `model '${this.opts.model}' is not served by ${this.info.url} (it serves: ${models.slice(0, 10).join(', ')})`, `use one of those names with --model`);
    }
    this.serverTokenizer = await ServerTokenizer.probe(this.http, this.info.model);
    this.info.tokenizer = this.serverTokenizer?.description ?? null;
    return this;
  }

  /** Hook for adapters that read extra facts from /v1/models (max_model_len, owned_by). */
  protected onModels(_json: unknown): void {}

  tokenizer(): Tokenizer | null {
    return this.serverTokenizer;
  }

  protected buildBody(req: GenerationRequest): Record<string, unknown> {
    const body: Record<string, unknown> = { model: this.info.model, stream: true, stream_options: { include_usage: true } };
    if (this.opts.api === 'completions') body.prompt = promptText(req);
    else body.messages = req.messages ?? [{ role: 'user', content: req.prompt ?? '' }];
    if (req.max_tokens !== null) body.max_tokens = req.max_tokens;
    if (req.temperature !== null) body.temperature = req.temperature;
    if (req.seed !== null) body.seed = req.seed;
    if (req.force_length && req.max_tokens !== null && !this.lengthRejected) Object.assign(body, this.lengthFields(req.max_tokens));
    return Object.assign(body, req.extra_body);
  }

  /** Reads what a chunk carries beyond the OpenAI basics (llama.cpp timings, ...). Adapters override. */
  protected onChunkExtras(_chunk: Chunk, _sink: StreamSink): void {}

  async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sendOnce(req, sink, signal);
        return;
      } catch (e) {
        // A server that rejects the length-forcing fields by name gets the request again without them; the
        // record notes that its length was not forced (seed 003: outputs that stop early at EOS).
        if (attempt === 0 && e instanceof RequestFailure && e.httpStatus === 400 && req.force_length && !this.lengthRejected && LENGTH_FIELDS.some((f) => e.message.includes(f))) {
          this.lengthRejected = true;
          this.info.length_forcing = 'none';
          sink.note(`length_not_forced: server rejected the length fields (${e.message.slice(0, 200)})`);
          sink.retry();
          continue;
        }
        throw e;
      }
    }
  }

  private async sendOnce(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    const body = this.buildBody(req);
    let finished = false;
    let done = false;
    let failure: RequestFailure | null = null;
    const isChat = this.opts.api !== 'completions';
    const reader = new SseReader((ev) => {
      if (failure) return;
      if (ev.kind === 'error') {
        failure = new RequestFailure('server', `server error in stream: ${errorMessage(ev.data)}`);
        return;
      }
      const data = ev.data.trim();
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let chunk: Chunk;
      try {
        chunk = JSON.parse(data) as Chunk;
      } catch {
        failure = new RequestFailure('parse', `malformed chunk: ${data.slice(0, 120)}`);
        return;
      }
      if (chunk.error !== undefined && chunk.error !== null) {
        failure = new RequestFailure('server', `server error in stream: ${errorMessage(JSON.stringify(chunk))}`);
        return;
      }
      const choice = chunk.choices?.[0];
      if (choice) {
        const text = isChat ? choice.delta?.content : choice.text;
        const reasoning = isChat ? (choice.delta?.reasoning_content || choice.delta?.reasoning) : undefined;
        const ids = choice.token_ids;
        if (text || reasoning || (ids && ids.length)) {
          sink.delta({ text: text || undefined, reasoning: reasoning || undefined, tokens: ids?.length || undefined });
        }
        if (choice.finish_reason) {
          finished = true;
          sink.finish(choice.finish_reason);
        }
      }
      const u = chunk.usage;
      if (u && (u.completion_tokens !== undefined || u.prompt_tokens !== undefined)) {
        sink.usage({
          prompt_tokens: u.prompt_tokens ?? null,
          completion_tokens: u.completion_tokens ?? null,
          cached_tokens: u.prompt_tokens_details?.cached_tokens ?? null,
          reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? u.reasoning_tokens ?? null,
        });
      }
      this.onChunkExtras(chunk, sink);
    });
    await this.http.stream(this.path(), body, signal, { onHeaders: (s) => sink.headers(s), onData: (c) => reader.push(c) }, { 'x-request-id': req.id || randomUUID() });
    reader.end();
    if (failure) throw failure;
    if (!finished && !done) throw new RequestFailure('stream', 'stream ended before the response finished (no finish_reason and no [DONE])');
    if (!finished) sink.finish(null);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export async function createOpenAiTarget(opts: OpenAiTargetOptions): Promise<OpenAiTarget> {
  return new OpenAiTarget(opts).init();
}
