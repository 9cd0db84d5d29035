/**
 * HTTP transport shared by every server adapter: undici over one Agent whose pool is sized to the run's concurrency
 * (dependencies.md §4) for JSON requests and https:// streams, and h1.ts for streams over plain http:// (the
 * per-token hot path; bench/paced.ts).
 * Maps transport failures onto RequestFailure kinds so records say *why* a request failed.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { readFileSync } from 'node:fs';
import { type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { RequestFailure } from '../core/failure.js';
import { SetupError } from '../core/errors.js';
import { H1Pool, type H1Handler } from './h1.js';

export interface TlsOptions {
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  insecure?: boolean;
}

export interface HttpClientOptions {
  /** Server root, without a trailing slash and without /v1. */
  baseUrl: string;
  headers: Record<string, string>;
  /** Per-request limit: no response headers, or no chunk, within this many ms fails the request. */
  timeoutMs: number;
  connections: number;
  tls?: TlsOptions;
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

function readPem(path: string | undefined, flag: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new SetupError('LLMBENCH_TLS_FILE', `${flag}: cannot read ${path} (${(e as Error).message})`, `check the path given to ${flag}`);
  }
}

/** Splits a user URL into the server root and the API base: `http://h:8000/v1/` → `http://h:8000`. */
export function serverRoot(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(u)) u = `http://${u}`;
  return u.replace(/\/v1$/i, '');
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly agent: Agent;
  /** Streamed POSTs over plain http:// (h1.ts); null for https://, which stays on undici. */
  private readonly h1: H1Pool | null;
  constructor(private readonly opts: HttpClientOptions) {
    this.baseUrl = opts.baseUrl;
    const base = new URL(opts.baseUrl);
    this.h1 =
      base.protocol === 'http:'
        ? new H1Pool({ host: base.hostname.replace(/^\[|\]$/g, ''), port: Number(base.port || 80), connections: Math.max(1, opts.connections), headersTimeoutMs: opts.timeoutMs, bodyTimeoutMs: opts.timeoutMs, connectTimeoutMs: Math.min(opts.timeoutMs, 30_000) })
        : null;
    const tls = opts.tls ?? {};
    this.agent = new Agent({
      connections: Math.max(1, opts.connections),
      pipelining: 1,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: {
        ca: readPem(tls.caCert, '--ca-cert'),
        cert: readPem(tls.clientCert, '--client-cert'),
        key: readPem(tls.clientKey, '--client-key'),
        rejectUnauthorized: !tls.insecure,
        timeout: Math.min(opts.timeoutMs, 30_000),
      },
    });
  }

  url(path: string): string {
    return `${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** A small JSON request/response (probes, tokenize, metrics). Throws RequestFailure on transport errors. */
  async json(method: 'GET' | 'POST', path: string, body?: unknown, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<JsonResponse> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? this.opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs ?? this.opts.timeoutMs);
    try {
      const res = await request(this.url(path), {
        method,
        dispatcher: this.agent,
        headers: body === undefined ? this.opts.headers : { 'content-type': 'application/json', ...this.opts.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      const text = await readText(decodedBody(res), 16 * 1024 * 1024);
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      return { status: res.statusCode, headers: res.headers, text, json };
    } catch (e) {
      throw toFailure(e, signal);
    }
  }

  /**
   * POSTs `body` and feeds every network read of the response to `onData` as it arrives.
   * Non-2xx responses are read (up to 64 KiB) and thrown as RequestFailure('http'), and so is a 2xx answer whose
   * content-type is not a stream type or whose content-encoding is neither gzip, deflate nor br.
   *
   * This is the per-token hot path: over plain http:// it runs on h1.ts (one flowing socket read → one callback),
   * over https:// on undici's dispatch API (each read reaches `onData` straight from undici's parser, with no
   * Readable stream, 'data' event or promise per read in between); bench/paced.ts measures both. A handler that
   * throws stops the read at once (the connection is closed, nothing more is buffered) and its error is what the
   * call rejects with.
   */
  stream(
    path: string,
    body: unknown,
    signal: AbortSignal,
    handlers: { onHeaders(status: number, headers: Record<string, string | string[] | undefined>): void; onData(chunk: Uint8Array): void },
    extraHeaders?: Record<string, string>,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(toFailure(signal.reason, signal));
      const url = new URL(this.url(path));
      let settled = false;
      let abortTransport: ((e: Error) => void) | null = null;
      // 'stream': a 2xx stream answer, fed to onData; 'http' / 'type': a failure whose first bytes feed the message.
      let mode: 'stream' | 'http' | 'type' = 'stream';
      let status = 0;
      let midStream = false;
      let type = '';
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let inflate: Transform | null = null;

      const settle = (e?: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (e === undefined) resolve();
        else reject(e);
      };
      const fail = (e: unknown) => {
        settle(e);
        abortTransport?.(e instanceof Error ? e : new Error(String(e)));
        inflate?.destroy();
      };
      const onAbort = () => fail(toFailure(signal.reason, signal));
      signal.addEventListener('abort', onAbort, { once: true });

      // The failure a non-stream answer ends in, once its first bytes are read (or the read failed).
      const answerFailure = () => {
        const text = Buffer.concat(kept).toString('utf8');
        return mode === 'http'
          ? new RequestFailure('http', `HTTP ${status}: ${errorMessage(text.slice(0, 64 * 1024))}`, status)
          : new RequestFailure('http', `unexpected content-type ${type}: ${text.slice(0, 200)}`, status);
      };
      const deliver = (c: Buffer) => {
        if (settled) return;
        if (mode === 'stream') {
          try {
            handlers.onData(c);
          } catch (e) {
            fail(e);
          }
          return;
        }
        kept.push(c);
        keptBytes += c.length;
        if (keptBytes >= (mode === 'http' ? 64 * 1024 : 200)) fail(answerFailure());
      };
      const complete = () => (mode === 'stream' ? settle() : fail(answerFailure()));

      const handler: H1Handler = {
        onStart(abort) {
          abortTransport = abort;
          if (settled) abort(new Error('aborted'));
        },
        onResponseStart(statusCode, headers) {
          if (settled || statusCode < 200) return;
          status = statusCode;
          const enc = String(headers['content-encoding'] ?? '').trim().toLowerCase();
          if (enc && enc !== 'identity') {
            const make = enc === 'gzip' || enc === 'x-gzip' ? createGunzip : enc === 'deflate' ? createInflate : enc === 'br' ? createBrotliDecompress : null;
            if (!make) return fail(new RequestFailure('http', `unsupported content-encoding ${enc}`, statusCode));
            inflate = make();
            inflate.on('data', deliver);
            inflate.once('end', () => {
              if (!settled) complete();
            });
            inflate.once('error', (e) => {
              if (settled) return;
              if (mode === 'stream') fail(toFailure(e, signal, true));
              else fail(answerFailure());
            });
          }
          if (statusCode >= 300) {
            mode = 'http';
            return;
          }
          // A proxy's HTML error page with status 200 is not a stream: say what came instead of a parse error.
          type = String(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (type && !STREAM_TYPES.test(type)) {
            mode = 'type';
            return;
          }
          midStream = true;
          try {
            handlers.onHeaders(statusCode, headers);
          } catch (e) {
            fail(e);
          }
        },
        onResponseData(chunk) {
          if (settled) return;
          if (inflate) inflate.write(chunk);
          else deliver(chunk);
        },
        onResponseEnd() {
          if (settled) return;
          if (inflate) inflate.end();
          else complete();
        },
        onResponseError(e) {
          if (settled) return;
          if (mode !== 'stream' && status !== 0) return fail(answerFailure());
          settle(toFailure(e, signal, midStream));
          inflate?.destroy();
        },
      };
      const headers = { 'content-type': 'application/json', accept: 'text/event-stream, application/x-ndjson, application/json', ...this.opts.headers, ...extraHeaders };
      try {
        if (this.h1) this.h1.post(url.pathname + url.search, headers, JSON.stringify(body), handler);
        else {
          this.agent.dispatch(
            { origin: url.origin, path: url.pathname + url.search, method: 'POST', headers, body: JSON.stringify(body) },
            {
              onRequestStart: (c) => handler.onStart((e) => {
                if (!c.aborted) c.abort(e);
              }),
              onResponseStart: (_c, status, h) => handler.onResponseStart(status, h),
              onResponseData: (_c, chunk) => handler.onResponseData(chunk),
              onResponseEnd: () => handler.onResponseEnd(),
              onResponseError: (_c, e) => handler.onResponseError(e),
            },
          );
        }
      } catch (e) {
        fail(toFailure(e, signal));
      }
    });
  }

  async close(): Promise<void> {
    this.h1?.close();
    await this.agent.close().catch(() => undefined);
  }
}

/** Media types a streamed answer may carry: SSE, NDJSON / JSON Lines / JSON, and text/plain (some servers). */
const STREAM_TYPES = /^(text\/event-stream|text\/plain|application\/(x-)?(nd)?json(l|lines|-seq)?|application\/(x-)?jsonlines|application\/[\w.-]+\+json)$/;

/**
 * The response body, decoded when the server compressed it although the client never asked (a proxy in between):
 * gzip, deflate and br with node:zlib's streaming decompressors; anything else fails the request.
 */
function decodedBody(res: Dispatcher.ResponseData): Readable {
  const enc = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (!enc || enc === 'identity') return res.body;
  const make = enc === 'gzip' || enc === 'x-gzip' ? createGunzip : enc === 'deflate' ? createInflate : enc === 'br' ? createBrotliDecompress : null;
  if (!make) throw new RequestFailure('http', `unsupported content-encoding ${enc}`, res.statusCode);
  const z = make();
  res.body.once('error', (e) => z.destroy(e));
  z.once('error', () => discard(res.body));
  return res.body.pipe(z);
}

/** Stops reading a body; undici reports that as an AbortError nobody needs to hear. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Up to `max` bytes of a body as text; the rest is not read. */
async function readText(body: Readable, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    parts.push(c as Buffer);
    n += (c as Buffer).length;
    if (n >= max) break;
  }
  discard(body);
  return Buffer.concat(parts).subarray(0, max).toString('utf8');
}

/** The human part of a server's error body: OpenAI/vLLM/TGI/Ollama shapes, else the raw text (capped). */
export function errorMessage(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const err = j.error;
    if (typeof err === 'string') return err;
    if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string') return (err as Record<string, string>).message!;
    if (typeof j.message === 'string') return j.message;
    if (typeof j.detail === 'string') return j.detail;
  } catch {
    // not JSON
  }
  const t = text.trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t || '(empty body)';
}

function toFailure(e: unknown, signal: AbortSignal | undefined, midStream = false): RequestFailure {
  if (e instanceof RequestFailure) return e;
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string } | string | undefined;
    const isTimeout = (typeof reason === 'object' && reason?.name === 'TimeoutError') || reason === 'timeout';
    return isTimeout ? new RequestFailure('timeout', 'no response within --timeout') : new RequestFailure('aborted', 'the run was interrupted');
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new RequestFailure('timeout', 'no response headers within --timeout');
  if (code === 'UND_ERR_BODY_TIMEOUT') return new RequestFailure('timeout', 'stream stalled: no data within --timeout');
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new RequestFailure('connect', 'connection timed out');
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return new RequestFailure('connect', `${code}: ${err.cause?.message ?? err.message ?? ''}`.trim());
  if (code.startsWith('Z_') || code.startsWith('ERR_BROTLI')) return new RequestFailure('parse', `cannot decompress the response body (${code})`);
  if (midStream || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'UND_ERR_CLOSED') return new RequestFailure('stream', `connection lost mid-stream (${code || err.message})`);
  if (/certificate|SSL|TLS/i.test(err.message ?? '') || code.startsWith('ERR_TLS') || code.includes('CERT')) return new RequestFailure('connect', `TLS: ${err.message ?? code}`);
  return new RequestFailure('connect', err.message ?? String(e));
}
