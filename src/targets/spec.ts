/**
 * What a server × API style is, as data: how its request body is built (and which fields force the length), where
 * the stream is and how it is framed, how one streamed object maps onto text / reasoning / tokens / usage / timings /
 * finish, and, per server, its probes, tokenizer dialects, cache reset and metrics endpoint. The one stream loop
 * (stream.ts) and the one target (servers.ts) run every spec; adding a server is one file in specs/ and one entry in
 * specs/index.ts.
 */
import { num } from '../core/num.js';
import { type ServerTimings } from '../core/record.js';
import { type HttpClient } from '../net/http.js';
import { type ServerKind } from './kinds.js';
import { type DialectName } from './tokenizer.js';
import { type ApiStyle, type GenerationRequest, type LengthForcing, type TargetInfo, type UsageReport } from './target.js';

export type Json = Record<string, unknown>;

/** What one streamed object carried; the loop turns it into sink calls (empty text/reasoning/tokens: no delta). */
export interface Chunk {
  text?: string | null;
  reasoning?: string | null;
  tokens?: number | null;
  usage?: UsageReport | null;
  timings?: ServerTimings | null;
  /** Present when this object ended the response: the finish reason (null: ended, reason unknown). */
  finish?: string | null;
}

/** Reads one request's stream; may keep state across objects (cumulative text, counters). */
export interface ChunkReader {
  /** One parsed object already checked for an error. */
  chunk(o: Json): Chunk;
  /** Servers without a terminator: what the response adds when the connection closed cleanly after ≥1 object. */
  end?(): Chunk;
}

export interface BodyParts {
  model: string;
  /** The length-forcing fields to send (already for this request's max_tokens), or null. */
  length: Json | null;
  /** The optional fields to ask for, or null once the server rejected them. */
  optional: Json | null;
}

export interface ApiSpec {
  api: ApiStyle;
  path(req: GenerationRequest, model: string): string;
  /** Default 'sse'. */
  framing?: 'sse' | 'ndjson';
  /** 'finish' (default): a finish object or [DONE] ends it; 'close': the connection closing after ≥1 object does (Triton, MindIE). */
  ends?: 'finish' | 'close';
  /** How exact lengths are forced; 'none' declares that they cannot be, and `unforced` is noted on forced requests. */
  length: { forcing: LengthForcing; fields?(n: number): Json; unforced?: string };
  /** Fields asked for when the server knows them, dropped for the run when it rejects one by name (400/422). */
  optional?: Json;
  body(req: GenerationRequest, b: BodyParts): Json;
  reader(req: GenerationRequest): ChunkReader;
  /**
   * The per-chunk fast path, for specs whose reader keeps no state: reads the common token chunk straight from the
   * event's text and returns exactly what `reader(req).chunk(JSON.parse(data))` would, or null for anything it
   * does not fully recognise (then the loop parses as usual, error check first). It must never accept a chunk that
   * is not valid JSON or that could carry an error, usage, timings, reasoning, tool calls, token ids or a finish.
   */
  fast?(data: string): Chunk | null;
}

/** What a server's probe reads and fills in before the run. */
export interface ProbeContext {
  http: HttpClient;
  info: TargetInfo;
  api: ApiStyle;
  /** --model, if given. */
  model?: string;
  timeoutMs: number;
  spec: ServerSpec;
  /**
   * A server that says in its model card that it can flush its prefix cache (llmbench serve: owned_by "llmbench",
   * POST /reset_prefix_cache) offers it here, where its spec has no resetCache of its own.
   */
  offerCacheReset?(path: string): void;
}

export interface ServerSpec {
  kind: ServerKind;
  /** API styles it speaks; the first is the default. */
  apis: readonly ApiSpec[];
  /** Checks the server is up and finds the model (throws SetupError). */
  probe(c: ProbeContext): Promise<void>;
  /** Reads facts from the OpenAI model card (/v1/models data[0]): max_model_len, ... */
  modelCard?(card: Json, info: TargetInfo): void;
  /** Tokenize dialects to probe, in order (none: the server has no tokenize endpoint). */
  tokenizers: readonly DialectName[];
  /** Empties the prefix cache; absent when the server has no way to. */
  resetCache?(http: HttpClient): Promise<boolean>;
  /** Where its Prometheus metrics are by default: a path on the server's origin, or on another port. Null: none known. */
  metrics: { path: string; port?: number } | null;
}

/** The usual length fields: ignore_eos alone (llama.cpp, LMDeploy, MindIE), or with min_tokens (vLLM, SGLang, trtllm-serve). */
export const IGNORE_EOS: ApiSpec['length'] = { forcing: 'ignore_eos', fields: () => ({ ignore_eos: true }) };
export const IGNORE_EOS_MIN_TOKENS: ApiSpec['length'] = { forcing: 'ignore_eos+min_tokens', fields: (n) => ({ ignore_eos: true, min_tokens: n }) };

/** The output cap, temperature and seed under a server's names; what the request leaves unset is not sent. */
export function sampling(req: GenerationRequest, maxName: string, seedName = 'seed'): Json {
  const s: Json = {};
  if (req.max_tokens !== null) s[maxName] = req.max_tokens;
  if (req.temperature !== null) s.temperature = req.temperature;
  if (req.seed !== null) s[seedName] = req.seed;
  return s;
}

/** A string field or ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A finish reason given as a string or as `{type, ...}` (SGLang, LMDeploy); null while the response goes on. */
export function finishType(fr: unknown): string | null {
  if (fr === null || fr === undefined) return null;
  if (typeof fr === 'string') return fr;
  if (typeof fr === 'object' && typeof (fr as Json).type === 'string') return (fr as Json).type as string;
  return 'stop';
}

/**
 * A chunk's token count: the length of its token-id array where it has one, else the growth of a cumulative counter
 * since the previous chunk (the counter is tracked on every chunk either way).
 */
export function tokenCount(): (ids: unknown, cumulative: unknown) => number | null {
  let prev = 0;
  return (ids, cumulative) => {
    const c = num(cumulative);
    const growth = c === null ? null : Math.max(0, c - prev);
    if (c !== null) prev = c;
    return Array.isArray(ids) ? ids.length : growth;
  };
}
