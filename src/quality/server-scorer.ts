/**
 * TokenScorer over HTTP, for servers that return log-probabilities of the PROMPT's tokens:
 *
 *   echo:            POST /v1/completions {prompt: [ids], echo: true, logprobs: 1, max_tokens: 1}
 *                    → choices[0].logprobs.token_logprobs = [null, lp1, lp2, …, (generated token)]
 *                    OpenAI legacy completions and vLLM (protocols.md §1, §2.2: vLLM treats max_tokens 0 with
 *                    echo as 1, SGLang rejects 0, so 1 is sent and the generated token is dropped).
 *   prompt_logprobs: POST /v1/completions {prompt: [ids], prompt_logprobs: 0, max_tokens: 1}
 *                    → choices[0].prompt_logprobs = [null, {"<id>": {logprob, rank, decoded_token}}, …]
 *                    vLLM only (vllm/logprobs.py PromptLogprobs: one {token_id → Logprob} dict per position).
 *   sglang_generate: POST /generate {input_ids: [ids], return_logprob: true, logprob_start_len: 0,
 *                    sampling_params: {max_new_tokens: 1, temperature: 0}}
 *                    → meta_info.input_token_logprobs = [[null, id0, null], [lp1, id1, null], …]
 *                    SGLang's native API (protocols.md §3.2: logprob_start_len 0 asks for the whole prompt).
 *
 * The prompt is sent as token ids so the windows fall exactly where src/quality/perplexity.ts put them; the ids
 * come from the server's own tokenizer (/tokenize), so the server sees what it would have tokenized itself.
 *
 * Servers that cannot do this are refused up front with the reason (serverScorerSupport).
 */
import { SetupError, UsageError } from '../core/errors.js';
import { type TokenScorer } from '../core/scorer.js';
import { type Tokenizer } from '../core/tokenizer.js';

export type ServerScorerStyle = 'echo' | 'prompt_logprobs' | 'sglang_generate';

/** Why a server kind can't score prompts, or the style it scores with. Keyed by TargetInfo.kind. */
const UNSUPPORTED: Record<string, string> = {
  llamacpp: "llama.cpp's server returns probabilities only for generated tokens (n_probs), never for the prompt",
  ollama: 'Ollama returns log-probabilities only for generated tokens (no echo, no prompt log-probabilities)',
  tgi: "TGI's prompt log-probabilities (decoder_input_details) take text only, no token ids, so windows cannot be placed on exact token boundaries",
  triton: 'Triton has no prompt log-probability output in its generate API',
  mindie: 'MindIE returns no prompt log-probabilities',
};

const SUPPORTED: Record<string, ServerScorerStyle> = {
  vllm: 'prompt_logprobs',
  sglang: 'sglang_generate',
  openai: 'echo',
};

/** The scoring style for a target kind, or a UsageError saying why that server can't compute perplexity. */
export function serverScorerSupport(kind: string): ServerScorerStyle {
  const style = SUPPORTED[kind];
  if (style) return style;
  const why = UNSUPPORTED[kind] ?? `llmbench knows no way to get prompt log-probabilities from a '${kind}' target`;
  throw new UsageError([{
    where: '--perplexity',
    message: `perplexity needs the log-probability of every prompt token, and ${why}`,
    hint: 'run --perplexity with --target embedded on the GGUF file (or llama.cpp\'s llama-perplexity), or against vLLM / an OpenAI-compatible server that supports echo + logprobs',
  }]);
}

export interface ServerScorerOptions {
  /** Server root (with or without a trailing /v1). */
  url: string;
  model: string;
  style: ServerScorerStyle;
  /** The server's tokenizer; encode() must return the ids the server would use. */
  tokenizer: Tokenizer;
  /** The server's context size (longest window). */
  maxTokens: number;
  /** BOS id to start windows with, when the server's model has one and encode() leaves it out. */
  bos?: number | null;
  /** Auth and custom headers; never recorded. */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** For messages ('vllm', 'openai'). */
  kind?: string;
}

function serverRoot(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}

const STYLE_NAMES: Record<ServerScorerStyle, string> = {
  echo: '/v1/completions echo+logprobs',
  prompt_logprobs: '/v1/completions prompt_logprobs',
  sglang_generate: '/generate input_token_logprobs',
};

export class ServerScorer implements TokenScorer {
  readonly description: string;
  readonly tokenizer: string;
  readonly maxTokens: number;
  readonly bos: number | null;
  private readonly endpoint: string;

  constructor(private readonly o: ServerScorerOptions) {
    this.endpoint = serverRoot(o.url) + (o.style === 'sglang_generate' ? '/generate' : '/v1/completions');
    this.description = `${o.kind ?? 'server'} ${STYLE_NAMES[o.style]}`;
    this.tokenizer = o.tokenizer.description;
    this.maxTokens = o.maxTokens;
    this.bos = o.bos ?? null;
  }

  tokenize(text: string): Promise<number[]> {
    return this.o.tokenizer.encode(text);
  }

  async scoreTokens(ids: number[]): Promise<Array<number | null>> {
    if (ids.length > this.maxTokens) throw new RangeError(`scoreTokens: ${ids.length} tokens exceed the context of ${this.maxTokens}`);
    const style = this.o.style;
    let body: Record<string, unknown>;
    if (style === 'sglang_generate') {
      body = { input_ids: ids, sampling_params: { max_new_tokens: 1, temperature: 0 }, return_logprob: true, logprob_start_len: 0 };
    } else {
      body = { model: this.o.model, prompt: ids, max_tokens: 1, temperature: 0 };
      if (style === 'echo') Object.assign(body, { echo: true, logprobs: 1 });
      else body.prompt_logprobs = 0;
    }
    const json = await this.post(body);
    const lps = style === 'echo' ? fromEcho(json, ids.length) : style === 'prompt_logprobs' ? fromPromptLogprobs(json, ids) : fromSglang(json, ids);
    if (lps === null) {
      const field = { echo: 'choices[0].logprobs.token_logprobs for the echoed prompt', prompt_logprobs: 'prompt_logprobs', sglang_generate: 'meta_info.input_token_logprobs' }[style];
      throw new SetupError('LLMBENCH_SCORER_NO_LOGPROBS', `${this.endpoint} answered without ${field} for all ${ids.length} prompt tokens`, 'this server does not return prompt log-probabilities; use the embedded engine or vLLM for --perplexity');
    }
    return lps;
  }

  private async post(body: Record<string, unknown>): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.o.headers ?? {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 600_000),
      });
    } catch (e) {
      throw new SetupError('LLMBENCH_SCORER_UNREACHABLE', `cannot reach ${this.endpoint} (${(e as Error).message})`, 'check that the server is running and --url is right');
    }
    const text = await res.text();
    if (!res.ok) {
      throw new SetupError('LLMBENCH_SCORER_HTTP', `${this.endpoint} answered HTTP ${res.status} to a prompt-log-probability request: ${text.slice(0, 300)}`, 'the server may not support echo/prompt_logprobs with token-id prompts, or the window is longer than its context (lower --perplexity-window)');
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new SetupError('LLMBENCH_SCORER_PARSE', `${this.endpoint} answered with something that is not JSON: ${text.slice(0, 200)}`);
    }
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);

/** token_logprobs of the echoed prompt: the first n entries (the generated token, if any, follows them). */
export function fromEcho(json: unknown, n: number): Array<number | null> | null {
  const choice = obj((obj(json)?.choices as unknown[] | undefined)?.[0]);
  const lp = obj(choice?.logprobs)?.token_logprobs;
  if (!Array.isArray(lp) || lp.length < n) return null;
  const out: Array<number | null> = [null];
  for (let i = 1; i < n; i++) {
    const v = lp[i];
    if (typeof v !== 'number') return null;
    out.push(v);
  }
  return out;
}

/** vLLM prompt_logprobs: per position a dict keyed by token id (as a string); the prompt's own id is picked. */
export function fromPromptLogprobs(json: unknown, ids: readonly number[]): Array<number | null> | null {
  const root = obj(json);
  const choice = obj((root?.choices as unknown[] | undefined)?.[0]);
  const list = (choice?.prompt_logprobs ?? root?.prompt_logprobs) as unknown;
  if (!Array.isArray(list) || list.length < ids.length) return null;
  const out: Array<number | null> = [null];
  for (let i = 1; i < ids.length; i++) {
    const entry = obj(obj(list[i])?.[String(ids[i])]);
    const v = entry?.logprob;
    if (typeof v !== 'number') return null;
    out.push(v);
  }
  return out;
}

/** SGLang input_token_logprobs: [logprob, token_id, text?] per prompt token; the ids must be the window's. */
export function fromSglang(json: unknown, ids: readonly number[]): Array<number | null> | null {
  const list = obj(obj(json)?.meta_info)?.input_token_logprobs;
  if (!Array.isArray(list) || list.length < ids.length) return null;
  const out: Array<number | null> = [null];
  for (let i = 1; i < ids.length; i++) {
    const e = list[i] as unknown;
    if (!Array.isArray(e) || typeof e[0] !== 'number' || (typeof e[1] === 'number' && e[1] !== ids[i])) return null;
    out.push(e[0]);
  }
  return out;
}
