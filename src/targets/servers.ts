/**
 * One entry point for every server: `createServerTarget(opts)` picks the server's spec (src/targets/specs/, running
 * detection for `auto`), checks the API style it speaks, probes the server, and returns a ready Target that runs the
 * spec through the one stream loop (stream.ts).
 */
import { SetupError, UsageError } from '../core/errors.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { HttpClient, serverRoot, type TlsOptions } from '../net/http.js';
import { DEFAULT_MAX_EVENT_BYTES } from '../net/sse.js';
import { detectServer, type Detection } from './detect.js';
import { type ServerKind, SERVER_KINDS } from './kinds.js';
import { type ServerSpec } from './spec.js';
import { SPECS } from './specs/index.js';
import { answersOk } from './specs/reset.js';
import { sendStream, type StreamTarget } from './stream.js';
import { type ApiStyle, type GenerationRequest, type StreamSink, type Target, type TargetInfo } from './target.js';
import { ServerTokenizer } from './tokenizer.js';

export { SERVER_KINDS };

/** API styles each server speaks; the first is the default (chat where an OpenAI-style endpoint exists). */
export const SERVER_APIS = Object.fromEntries(Object.values(SPECS).map((s) => [s.kind, s.apis.map((a) => a.api)])) as unknown as Record<ServerKind, readonly ApiStyle[]>;

export interface ServerTargetOptions {
  /** --server; 'auto' detects. */
  server: (typeof SERVER_KINDS)[number];
  /** --api; null/undefined = the server's default. */
  api?: ApiStyle | null;
  url: string;
  model?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Largest number of requests in flight: sizes the connection pool. */
  connections: number;
  tls?: TlsOptions;
  /** Longest stream line / event accepted, in bytes (--max-event-bytes; default 16 MiB). */
  maxEventBytes?: number;
}

/** A server target: the Target, plus what the runner needs between scenarios. */
export interface ServerTarget extends Target {
  /** Empties the server's prefix cache; false when it could not. Absent when the server has no way to. */
  resetCache?(): Promise<boolean>;
  /** Where this server's Prometheus metrics are by default (null: none known). */
  readonly defaultMetricsUrl: string | null;
  /** How resetCache flushes when the server offered it at probe time ('POST /reset_prefix_cache'); else absent. */
  readonly cacheResetHow?: string;
}

class SpecTarget implements ServerTarget {
  readonly info: TargetInfo;
  readonly defaultMetricsUrl: string | null;
  resetCache?: () => Promise<boolean>;
  cacheResetHow?: string;
  private serverTokenizer: Tokenizer | null = null;
  private readonly stream: StreamTarget;

  constructor(private readonly spec: ServerSpec, api: ApiStyle, private readonly opts: ServerTargetOptions, private readonly http: HttpClient) {
    const a = spec.apis.find((x) => x.api === api)!;
    this.info = { kind: spec.kind, url: http.baseUrl, api, model: opts.model ?? '', length_forcing: a.length.forcing, tokenizer: null };
    this.stream = { http, info: this.info, api: a, maxEventBytes: opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, rejected: { length: false, optional: false } };
    this.defaultMetricsUrl = spec.metrics ? metricsUrl(http.baseUrl, spec.metrics) : null;
    if (spec.resetCache) this.resetCache = () => spec.resetCache!(http);
  }

  async init(): Promise<void> {
    await this.spec.probe({ http: this.http, info: this.info, api: this.info.api!, model: this.opts.model, timeoutMs: this.opts.timeoutMs, spec: this.spec, offerCacheReset: (path) => {
      if (this.resetCache) return;
      this.resetCache = () => answersOk(this.http, 'POST', path);
      this.cacheResetHow = `POST ${path}`;
    } });
    this.serverTokenizer = await ServerTokenizer.probe(this.http, this.info.model, this.spec.tokenizers);
    this.info.tokenizer = this.serverTokenizer?.description ?? null;
  }

  send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
    return sendStream(this.stream, req, sink, signal);
  }

  tokenizer(): Tokenizer | null {
    return this.serverTokenizer;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function metricsUrl(baseUrl: string, m: { path: string; port?: number }): string | null {
  try {
    const u = new URL(new URL(baseUrl).origin);
    if (m.port !== undefined) u.port = String(m.port);
    return `${u.origin}${m.path}`;
  } catch {
    return null;
  }
}

function client(opts: ServerTargetOptions, timeoutMs: number, connections: number): HttpClient {
  const headers = { ...(opts.headers ?? {}), ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) };
  return new HttpClient({ baseUrl: serverRoot(opts.url), headers, timeoutMs, connections, tls: opts.tls });
}

export async function createServerTarget(opts: ServerTargetOptions): Promise<ServerTarget> {
  let detection: Detection | null = null;
  let kind: ServerKind;
  if (opts.server === 'auto') {
    const probe = client(opts, Math.min(opts.timeoutMs, 10_000), 1);
    try {
      detection = await detectServer(probe);
    } finally {
      await probe.close();
    }
    if (!detection) {
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot identify or reach a server at ${serverRoot(opts.url)} (no answer to /v1/models, /props, /api/version, /info, /v2)`, 'check --target, or name the server with --server');
    }
    kind = detection.server;
  } else {
    kind = opts.server;
  }
  const apis = SERVER_APIS[kind];
  const api = opts.api ?? apis[0]!;
  if (!apis.includes(api)) {
    throw new UsageError([{ where: '--api', message: `${kind} does not speak the '${api}' API (it speaks: ${apis.join(', ')})`, hint: `use --api ${apis[0]}` }]);
  }
  const target = new SpecTarget(SPECS[kind], api, opts, client(opts, opts.timeoutMs, opts.connections));
  try {
    await target.init();
  } catch (e) {
    await target.close();
    throw e;
  }
  target.info.server = { detected: detection?.server ?? null, how: detection ? detection.how : `--server ${kind}`, version: detection?.version ?? (typeof target.info.version === 'string' ? target.info.version : null) };
  return target;
}

export type { ServerKind, Detection };
