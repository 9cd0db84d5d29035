/**
 * One entry point for every server adapter: `createServerTarget(opts)` picks the adapter for `--server` (running
 * detection for `auto`), checks the API style it supports, probes the server, and returns a ready Target.
 */
import { SetupError, UsageError } from '../core/errors.js';
import { defaultMetricsUrl } from '../monitors/server-metrics/index.js';
import { detectServer, type Detection, type ServerKind } from './detect.js';
import { HttpClient, serverRoot } from '../net/http.js';
import { LlamacppTarget } from './llamacpp.js';
import { LmdeployTarget } from './lmdeploy.js';
import { MindieTarget } from './mindie.js';
import { OllamaTarget } from './ollama.js';
import { OpenAiTarget, type OpenAiTargetOptions } from './openai.js';
import { SglangTarget } from './sglang.js';
import { type ApiStyle, type Target } from './target.js';
import { TgiTarget } from './tgi.js';
import { TritonTarget } from './triton.js';
import { TrtllmTarget } from './trtllm.js';
import { VllmTarget } from './vllm.js';

export const SERVER_KINDS = ['auto', 'openai', 'vllm', 'sglang', 'lmdeploy', 'trtllm', 'triton', 'tgi', 'llamacpp', 'ollama', 'mindie'] as const;

/** API styles each server speaks; the first is the default (chat where an OpenAI-style endpoint exists). */
export const SERVER_APIS: Record<ServerKind, readonly ApiStyle[]> = {
  openai: ['chat', 'completions'],
  vllm: ['chat', 'completions'],
  sglang: ['chat', 'completions', 'native'],
  lmdeploy: ['chat', 'completions', 'native'],
  trtllm: ['chat', 'completions'],
  triton: ['native'],
  tgi: ['chat', 'completions', 'native'],
  llamacpp: ['chat', 'completions', 'native'],
  ollama: ['chat', 'completions', 'native'],
  mindie: ['chat', 'native'],
};

export interface ServerTargetOptions extends Omit<OpenAiTargetOptions, 'api' | 'kind'> {
  /** --server; 'auto' detects. */
  server: (typeof SERVER_KINDS)[number];
  /** --api; null/undefined = the server's default. */
  api?: ApiStyle | null;
}

/** A server target: the Target, plus what the runner needs between scenarios. */
export interface ServerTarget extends Target {
  /** Empties the server's prefix cache; false when it could not. Absent when the server has no way to. */
  resetCache?(): Promise<boolean>;
  /** Where this server's Prometheus metrics are by default (null: none known). */
  readonly defaultMetricsUrl: string | null;
}

type Ctor = new (o: OpenAiTargetOptions) => OpenAiTarget & { resetCache?(): Promise<boolean> };

const ADAPTERS: Record<ServerKind, Ctor> = {
  openai: OpenAiTarget,
  vllm: VllmTarget,
  sglang: SglangTarget,
  lmdeploy: LmdeployTarget,
  trtllm: TrtllmTarget,
  triton: TritonTarget,
  tgi: TgiTarget,
  llamacpp: LlamacppTarget,
  ollama: OllamaTarget,
  mindie: MindieTarget,
};

export async function createServerTarget(opts: ServerTargetOptions): Promise<ServerTarget> {
  let detection: Detection | null = null;
  let kind: ServerKind;
  if (opts.server === 'auto') {
    const probe = new HttpClient({ baseUrl: serverRoot(opts.url), headers: { ...(opts.headers ?? {}), ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) }, timeoutMs: Math.min(opts.timeoutMs, 10_000), connections: 1, tls: opts.tls });
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
  const target = new ADAPTERS[kind]({ url: opts.url, api, model: opts.model, apiKey: opts.apiKey, headers: opts.headers, timeoutMs: opts.timeoutMs, connections: opts.connections, tls: opts.tls, kind });
  await target.init();
  target.info.server = { detected: detection?.server ?? null, how: detection ? detection.how : `--server ${kind}`, version: detection?.version ?? (typeof target.info.version === 'string' ? target.info.version : null) };
  const metricsUrl = target.info.url ? defaultMetricsUrl(kind, target.info.url) : null;
  return Object.assign(target, { defaultMetricsUrl: metricsUrl }) as unknown as ServerTarget;
}

export type { ServerKind, Detection };
