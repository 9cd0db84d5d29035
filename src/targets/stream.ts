/**
 * The one stream loop every server × API style runs (spec.ts says what differs): build the body, POST it, frame
 * the answer (SSE or NDJSON), and for each object: [DONE] / empty → skip, not JSON or not an object → 'parse',
 * an error object → 'server' (checked before anything else, protocols.md §0.1 rule 5), else the spec's reader maps
 * it onto sink calls. A 400 or 422 naming a length-forcing or optional field sends the request again without it, once
 * per field. The stream ended properly when a finish was read, [DONE] came, or (servers without a terminator) the
 * connection closed cleanly after at least one object. Transport failures (timeout, abort, reset, over-long events,
 * bad content types) are mapped by src/net.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage, type HttpClient } from '../net/http.js';
import { NdjsonReader, SseReader, type StreamEvent } from '../net/sse.js';
import { type ApiSpec, type Chunk, type Json } from './spec.js';
import { type Delta, type GenerationRequest, RequestFailure, type StreamSink, type TargetInfo } from './target.js';

export interface StreamTarget {
  http: HttpClient;
  info: TargetInfo;
  api: ApiSpec;
  maxEventBytes: number;
  /** Fields the server rejected earlier in the run: not sent again. */
  rejected: { length: boolean; optional: boolean };
}

/** Message of an error object in any of the shapes servers use, or null when `obj` is not an error. */
export function errorOf(obj: Json): string | null {
  const e = obj.error;
  if (e === undefined || e === null || e === false) return null;
  const type = typeof obj.error_type === 'string' ? ` (${obj.error_type})` : '';
  return `${errorMessage(JSON.stringify(obj))}${type}`;
}

/** The field of `fields` that an HTTP 400/422 answer names, or null when the failure is something else. */
export function rejectedField(e: unknown, fields: string[]): string | null {
  if (!(e instanceof RequestFailure) || (e.httpStatus !== 400 && e.httpStatus !== 422)) return null;
  return fields.find((f) => e.message.includes(f)) ?? null;
}

export async function sendStream(t: StreamTarget, req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
  const { length: spec } = t.api;
  let noted = false;
  for (;;) {
    const length = req.force_length && req.max_tokens !== null && spec.fields && spec.forcing !== 'none' && !t.rejected.length ? spec.fields(req.max_tokens) : null;
    if (req.force_length && !noted && (spec.forcing === 'none' || t.rejected.length)) {
      sink.note(spec.forcing === 'none' ? (spec.unforced ?? 'length_not_forced: the server cannot force output lengths') : 'length_not_forced: the server rejected the length fields earlier in the run');
      noted = true;
    }
    const optional = t.api.optional && !t.rejected.optional ? t.api.optional : null;
    try {
      await streamOnce(t, req, t.api.body(req, { model: t.info.model, length, optional }), sink, signal);
      return;
    } catch (e) {
      const field = rejectedField(e, [...Object.keys(length ?? {}), ...Object.keys(optional ?? {})]);
      if (field === null) throw e;
      if (length && field in length) {
        // Seed 003: a server without exact-length generation; its outputs stop at EOS, and the record says so.
        t.rejected.length = true;
        t.info.length_forcing = 'none';
        sink.note(`length_not_forced: the server rejected ${field} (${(e as Error).message.slice(0, 200)})`);
        noted = true;
      } else {
        t.rejected.optional = true;
      }
      sink.retry();
    }
  }
}

async function streamOnce(t: StreamTarget, req: GenerationRequest, body: Json, sink: StreamSink, signal: AbortSignal): Promise<void> {
  const reader = t.api.reader(req);
  const fast = t.api.fast;
  let finished = false;
  let done = false;
  let objects = 0;
  const apply = (c: Chunk) => {
    if (c.text || c.reasoning || c.tokens) {
      const d: Delta = { text: c.text || undefined, tokens: c.tokens || undefined };
      if (c.reasoning) d.reasoning = c.reasoning;
      sink.delta(d);
    }
    if (c.usage) sink.usage(c.usage);
    if (c.timings) sink.serverTimings(c.timings);
    if (c.finish !== undefined && !finished) {
      finished = true;
      sink.finish(c.finish);
    }
  };
  // Throwing here stops the read at once (src/net destroys the body): nothing after a failure is worth reading.
  const onEvent = (ev: StreamEvent) => {
    if (ev.kind === 'error') throw new RequestFailure('server', `server error in stream: ${errorMessage(ev.data)}`);
    const data = ev.data.trim();
    if (data === '') return;
    if (data === '[DONE]') {
      done = true;
      return;
    }
    const quick = fast?.(data);
    if (quick) {
      objects++;
      apply(quick);
      return;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(data);
    } catch {
      throw new RequestFailure('parse', `malformed chunk: ${data.slice(0, 120)}`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new RequestFailure('parse', `unexpected chunk (not a JSON object): ${data.slice(0, 120)}`);
    const err = errorOf(obj as Json);
    if (err !== null) throw new RequestFailure('server', `server error in stream: ${err}`);
    objects++;
    apply(reader.chunk(obj as Json));
  };
  const framer = t.api.framing !== 'ndjson' ? new SseReader(onEvent, t.maxEventBytes) : new NdjsonReader(onEvent, t.maxEventBytes);
  await t.http.stream(t.api.path(req, t.info.model), body, signal, { onHeaders: (s) => sink.headers(s), onData: (c) => framer.push(c) }, { 'x-request-id': req.id || randomUUID() });
  framer.end();
  if (finished) return;
  if (done) return sink.finish(null);
  // No terminator in these protocols: a stream that closed cleanly after at least one object is complete.
  if (t.api.ends === 'close' && objects > 0) return apply({ finish: null, ...reader.end?.() });
  throw new RequestFailure('stream', 'stream ended before the response finished (no finish reason and no [DONE])');
}
