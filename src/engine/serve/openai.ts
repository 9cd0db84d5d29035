/**
 * OpenAI wire shapes for `llmbench serve`: request validation (pure; throws ApiError with the HTTP status and the
 * OpenAI error body) and the response / stream-chunk objects. Field names follow the OpenAI API reference
 * (chat.completion, chat.completion.chunk, text_completion) and the extensions llama.cpp and vLLM accept:
 * `ignore_eos`, `min_tokens` (vLLM SamplingParams), `stream_options.include_usage`.
 */
import { type ChatMessage } from '../../core/chat.js';
import { type GenEnd, type GenInput, type GenParams } from '../llama/protocol.js';

/** An error answered in OpenAI's shape: {"error": {"message", "type", "param", "code"}}. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly type = 'invalid_request_error', readonly param: string | null = null, readonly code: string | null = null) {
    super(message);
  }
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export interface ParsedGeneration {
  input: GenInput;
  params: GenParams;
  stream: boolean;
  includeUsage: boolean;
  model: string | null;
}

/** llama.cpp server's default temperature (tools/server README). */
const DEFAULT_TEMPERATURE = 0.8;

function bad(message: string, param: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param);
}

function optNumber(body: Record<string, unknown>, key: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`'${key}' must be a number`, key);
  if (opts.int && !Number.isInteger(v)) throw bad(`'${key}' must be an integer`, key);
  if (opts.min !== undefined && v < opts.min) throw bad(`'${key}' must be at least ${opts.min}`, key);
  if (opts.max !== undefined && v > opts.max) throw bad(`'${key}' must be at most ${opts.max}`, key);
  return v;
}

function optBool(body: Record<string, unknown>, key: string): boolean | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw bad(`'${key}' must be true or false`, key);
  return v;
}

export function parseJsonBody(raw: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw bad(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('the request body must be a JSON object');
  return v as Record<string, unknown>;
}

export function parseMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw bad("'messages' must be a non-empty array", 'messages');
  return v.map((m, i) => {
    if (m === null || typeof m !== 'object') throw bad(`messages[${i}] must be an object`, 'messages');
    const { role, content } = m as { role?: unknown; content?: unknown };
    const r = role === 'developer' ? 'system' : role;
    if (r !== 'system' && r !== 'user' && r !== 'assistant') throw bad(`messages[${i}].role must be system, user or assistant`, 'messages');
    let text: string;
    if (typeof content === 'string') text = content;
    else if (Array.isArray(content)) {
      // Content parts: only text parts can reach a text-only model.
      text = content.map((p, j) => {
        if (p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string') return (p as { text: string }).text;
        throw bad(`messages[${i}].content[${j}] must be a text part`, 'messages');
      }).join('');
    } else throw bad(`messages[${i}].content must be a string or an array of text parts`, 'messages');
    return { role: r, content: text };
  });
}

function parsePrompt(v: unknown): GenInput {
  if (typeof v === 'string') return { kind: 'prompt', text: v };
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return { kind: 'prompt', text: v[0] };
  if (Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && t >= 0)) return { kind: 'tokens', ids: v as number[] };
  if (Array.isArray(v) && v.length > 1) throw bad("batched prompts are not supported: send one prompt per request", 'prompt');
  throw bad("'prompt' must be a string or an array of token ids", 'prompt');
}

/** `nVocab` null (unknown) leaves the upper bound of token ids to the engine. */
export function parseGeneration(body: Record<string, unknown>, kind: 'chat' | 'completions', nVocab: number | null): ParsedGeneration {
  const input = kind === 'chat' ? { kind: 'chat' as const, messages: parseMessages(body.messages) } : parsePrompt(body.prompt);
  if (input.kind === 'tokens' && nVocab !== null && input.ids.some((t) => t >= nVocab)) throw bad(`token ids must be below the vocabulary size ${nVocab}`, 'prompt');
  const n = optNumber(body, 'n', { int: true, min: 1 });
  if (n !== null && n !== 1) throw bad("only 'n': 1 is supported", 'n');
  const maxTokens = optNumber(body, 'max_completion_tokens', { int: true, min: 0 }) ?? optNumber(body, 'max_tokens', { int: true, min: 0 });
  const minTokens = optNumber(body, 'min_tokens', { int: true, min: 0 }) ?? 0;
  if (maxTokens !== null && minTokens > maxTokens) throw bad("'min_tokens' must not exceed 'max_tokens'", 'min_tokens');
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && (typeof streamOptions !== 'object' || Array.isArray(streamOptions))) throw bad("'stream_options' must be an object", 'stream_options');
  const model = body.model === undefined || body.model === null ? null : typeof body.model === 'string' ? body.model : (() => { throw bad("'model' must be a string", 'model'); })();
  return {
    input,
    params: {
      maxTokens,
      minTokens,
      ignoreEos: optBool(body, 'ignore_eos') ?? false,
      temperature: optNumber(body, 'temperature', { min: 0, max: 2 }) ?? DEFAULT_TEMPERATURE,
      seed: optNumber(body, 'seed', { int: true }),
    },
    stream: optBool(body, 'stream') ?? false,
    includeUsage: (streamOptions as { include_usage?: unknown } | undefined)?.include_usage === true,
    model,
  };
}

/** OpenAI usage; `prompt_tokens_details.cached_tokens` counts the prompt tokens served from the prefix cache. */
export function usageOf(end: GenEnd): { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } } {
  return { prompt_tokens: end.promptTokens, completion_tokens: end.completionTokens, total_tokens: end.promptTokens + end.completionTokens, prompt_tokens_details: { cached_tokens: end.cachedTokens ?? 0 } };
}

/** llama.cpp-style `timings` (ms), so tools that read llama.cpp's server timings read ours too. */
export function timingsOf(end: GenEnd): Record<string, number | null> {
  const decodeMs = end.engine.decode_steps_ms.reduce((s, v) => s + v, 0);
  const steps = end.engine.decode_steps_ms.length;
  // As llama.cpp's server: prompt_n counts the prompt tokens processed, cache_n those reused from the cache.
  const cached = end.cachedTokens ?? 0;
  const processed = end.promptTokens - cached;
  return {
    prompt_n: processed,
    cache_n: cached,
    prompt_ms: end.engine.prefill_ms,
    prompt_per_second: end.engine.prefill_ms ? (processed / end.engine.prefill_ms) * 1000 : null,
    predicted_n: end.completionTokens,
    predicted_ms: steps ? decodeMs : null,
    predicted_per_token_ms: steps ? decodeMs / steps : null,
    predicted_per_second: steps && decodeMs > 0 ? (steps / decodeMs) * 1000 : null,
    queue_ms: end.engine.queue_ms,
    tokenize_ms: end.engine.tokenize_ms,
    detokenize_ms: end.engine.detokenize_ms,
  };
}

export function finishReason(end: GenEnd): 'stop' | 'length' {
  return end.reason === 'stop' ? 'stop' : 'length';
}
