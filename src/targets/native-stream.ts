/**
 * The loop every native (non-OpenAI) protocol shares: POST, read SSE or NDJSON with the shared readers, check each
 * object for an error before anything else (protocols.md §0.1 rule 5), and let the adapter turn the object into
 * sink calls. Whether the stream ended properly is the adapter's call (`stop: true`, `done: true`, a finish reason,
 * or simply the connection closing on servers without a terminator: Triton, MindIE /infer).
 */
import { randomUUID } from 'node:crypto';
import { errorMessage, type HttpClient } from '../net/http.js';
import { NdjsonReader, SseReader, type StreamEvent } from './sse.js';
import { RequestFailure, type StreamSink } from './target.js';

export type Json = Record<string, unknown>;

export interface NativeStreamOptions {
  path: string;
  body: unknown;
  format: 'sse' | 'ndjson';
  /** Handles one parsed object; returns true when it finished the response. */
  onObject(obj: Json): boolean | void;
  /** Called once the connection closed; returns true when the response counts as finished anyway. */
  onEnd?(): boolean;
  requestId?: string;
}

/** Message of an error object in any of the shapes servers use, or null when `obj` is not an error. */
export function errorOf(obj: Json): string | null {
  const e = obj.error;
  if (e === undefined || e === null || e === false) return null;
  const msg = errorMessage(JSON.stringify(obj));
  const type = typeof obj.error_type === 'string' ? ` (${obj.error_type})` : '';
  return `${msg}${type}`;
}

export async function nativeStream(http: HttpClient, sink: StreamSink, signal: AbortSignal, o: NativeStreamOptions): Promise<void> {
  let failure: RequestFailure | null = null;
  let finished = false;
  const onEvent = (ev: StreamEvent) => {
    if (failure || finished) return;
    if (ev.kind === 'error') {
      failure = new RequestFailure('server', `server error in stream: ${errorMessage(ev.data)}`);
      return;
    }
    const data = ev.data.trim();
    if (data === '[DONE]' || data === '') return;
    let obj: Json;
    try {
      obj = JSON.parse(data) as Json;
    } catch {
      failure = new RequestFailure('parse', `malformed chunk: ${data.slice(0, 120)}`);
      return;
    }
    if (obj === null || typeof obj !== 'object') {
      failure = new RequestFailure('parse', `unexpected chunk: ${data.slice(0, 120)}`);
      return;
    }
    const err = errorOf(obj);
    if (err !== null) {
      failure = new RequestFailure('server', `server error in stream: ${err}`);
      return;
    }
    if (o.onObject(obj)) finished = true;
  };
  const reader = o.format === 'sse' ? new SseReader(onEvent) : new NdjsonReader(onEvent);
  await http.stream(o.path, o.body, signal, { onHeaders: (s) => sink.headers(s), onData: (c) => reader.push(c) }, { 'x-request-id': o.requestId || randomUUID() });
  reader.end();
  if (failure) throw failure;
  if (!finished && !(o.onEnd?.() ?? false)) throw new RequestFailure('stream', 'stream ended before the response finished');
}

/** A finite number or null (servers send null, strings, or omit fields). */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A finish reason given as a string or as `{type, ...}` (SGLang, LMDeploy); null while the response goes on. */
export function finishType(fr: unknown): string | null {
  if (fr === null || fr === undefined) return null;
  if (typeof fr === 'string') return fr;
  if (typeof fr === 'object' && typeof (fr as Json).type === 'string') return (fr as Json).type as string;
  return 'stop';
}

/** Drops the length-forcing fields a server rejected, once, and says so on the record (seed 003's early EOS). */
export function rejectedField(e: unknown, fields: string[]): string | null {
  if (!(e instanceof RequestFailure) || (e.httpStatus !== 400 && e.httpStatus !== 422)) return null;
  return fields.find((f) => e.message.includes(f)) ?? null;
}
