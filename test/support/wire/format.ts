/**
 * What a wire format is, for the contract suite (test/targets/contract-*.test.ts): how one server × API style
 * writes a token chunk, a token-less final chunk, its counters, its in-stream error, its HTTP error body and its
 * terminator. The generic scripted server (./server.ts) plays a plan through a format and injects the faults.
 *
 * The fake model is the one test/support/servers uses: output token i is ` w<i>`; without length forcing the model
 * stops at EOS after NATURAL tokens, so a test can tell whether the length was forced.
 */

/** Tokens the model writes before its natural EOS when the length is not forced. */
export const NATURAL = 3;
/** Output tokens when the request gives no max_tokens. */
export const DEFAULT_MAX = 16;

export function tokenText(i: number): string {
  return ` w${i}`;
}

/** The text of tokens [from, from + k). */
export function tokensText(from: number, k: number): string {
  let s = '';
  for (let i = from; i < from + k; i++) s += tokenText(i);
  return s;
}

export function promptTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** What the generic server read from a generation request. */
export interface Gen {
  /** The prompt as one string (chat messages joined by spaces): the fault markers are read from it. */
  prompt: string;
  /** Requested output cap, or null. */
  max: number | null;
  /** Names of the length-forcing fields the request carried that this server knows (`ignore_eos`, `min_new_tokens`). */
  lengthFields: string[];
  /** Whether those fields ask for exactly `max` tokens (the server honours them). */
  forced: boolean;
  /** The request asked for the counters this wire can carry (include_usage, details, return_num_output_tokens...). */
  countersAsked: boolean;
  /** The request asked for per-chunk token ids (vLLM return_token_ids). */
  idsAsked: boolean;
  /** A body field this server rejects outright (trtllm-serve forbids unknown fields), or null. */
  forbidden: string | null;
  chat: boolean;
}

/** How one response is to be written. */
export interface Plan {
  /** Output tokens (not counting a token-less final or an EOS token). */
  tokens: number;
  /** Tokens per token-bearing chunk. */
  chunk: number;
  finish: 'stop' | 'length';
  /** Write the counters (usage, meta_info counts, details...) the request asked for. */
  counters: boolean;
  /** End with a chunk that carries the finish and no text. */
  tokenlessFinal: boolean;
  /** Characters of `x` appended to token 0 (a long event that arrives in many network reads). */
  pad: number;
}

/** The text of tokens [from, from + k) under a plan (token 0 carries the plan's padding). */
export function planText(p: Plan, from: number, k: number): string {
  if (!p.pad || from > 0 || k === 0) return tokensText(from, k);
  return tokenText(0) + 'x'.repeat(p.pad) + tokensText(1, k - 1);
}

/** A response rendered by a format: written head, then chunks one by one, then tail. */
export interface Rendered {
  head: string[];
  /** Token-bearing chunks, in order (faults are injected between them). */
  chunks: string[];
  /** Token-less final chunk, usage, terminator. */
  tail: string[];
  /** Tokens each token-bearing chunk counts on the wire (ids, counters, one-per-event), or null when it does not say. */
  chunkTokens: number[] | null;
  /** Tokens a token-less final counts (TGI / MindIE EOS step: 1), 0 otherwise. */
  finalTokens: number;
  /** The completion token count the wire reported, or null when it reported none. */
  reported: number | null;
}

export interface WireFormat {
  name: string;
  /** Does this POST path belong to the format's generation endpoint? */
  matches(path: string): boolean;
  contentType: string;
  /** Most tokens one chunk can carry on this wire (TGI and MindIE /infer: exactly one per event). */
  maxChunk: number;
  read(body: any, path: string): Gen;
  render(g: Gen, p: Plan): Rendered;
  /** The server's own error shape inside a 200 stream, framed (with what follows it, e.g. `[DONE]`). */
  streamError(message: string): string;
  /** The server's HTTP error body for status. */
  httpError(status: number, message: string): { body: string; contentType: string };
  /** A framed chunk whose payload is not JSON (starts with MALFORMED). */
  malformed(): string;
  /** The start of an event/line that never ends (no newline follows). */
  hugePrefix(): string;
}

export const MALFORMED = '{"oops": not json at all';

/** SSE framing: `data: x\n\n` (`data:x` for TGI). */
export function sse(obj: unknown, prefix = 'data: '): string {
  return `${prefix}${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`;
}

export function ndjson(obj: unknown): string {
  return `${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n`;
}

/** Splits `tokens` into chunk sizes of at most `chunk`. */
export function groups(tokens: number, chunk: number): Array<{ from: number; k: number }> {
  const out: Array<{ from: number; k: number }> = [];
  for (let i = 0; i < tokens; i += chunk) out.push({ from: i, k: Math.min(chunk, tokens - i) });
  return out;
}

/** The JSON error body of Python servers (vLLM, SGLang, LMDeploy, trtllm-serve) for a 422 validation error. */
export function fastApi422(field: string, value: unknown): string {
  return JSON.stringify({ detail: [{ type: 'extra_forbidden', loc: ['body', field], msg: 'Extra inputs are not permitted', input: value }] });
}

export function jsonBody(o: unknown): { body: string; contentType: string } {
  return { body: JSON.stringify(o), contentType: 'application/json' };
}

/** Names of `fields` present (not false/null) in `o`. */
export function present(o: Record<string, unknown> | undefined | null, fields: string[]): string[] {
  if (!o || typeof o !== 'object') return [];
  return fields.filter((f) => o[f] !== undefined && o[f] !== null && o[f] !== false);
}

/** Whether present length fields force `max` tokens: a boolean true (ignore_eos) or a minimum ≥ max. */
export function forces(o: Record<string, unknown> | undefined | null, fields: string[], max: number | null): boolean {
  if (!o) return false;
  return fields.some((f) => o[f] === true || (typeof o[f] === 'number' && max !== null && (o[f] as number) >= max));
}

/** The `{inputs, parameters{max_new_tokens, details}}` request TGI takes and MindIE's /infer copies; neither forces lengths. */
export function readTgiStyle(body: any): Gen {
  const max = typeof body.parameters?.max_new_tokens === 'number' ? body.parameters.max_new_tokens : null;
  return { prompt: String(body.inputs ?? ''), max, lengthFields: [], forced: false, countersAsked: body.parameters?.details === true, idsAsked: true, forbidden: null, chat: false };
}
