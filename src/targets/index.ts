/**
 * Opens the target a run talks to: the embedded engine when there is no --target, else a server adapter.
 */
import { SetupError, UsageError } from '../core/errors.js';
import { type TlsOptions } from './http.js';
import { createOpenAiTarget } from './openai.js';
import { type ApiStyle, type Target } from './target.js';

export interface ServerTargetConfig {
  url: string;
  api: ApiStyle;
  /** Adapter name (--server); 'openai' for any OpenAI-compatible server. */
  server: string;
  model: string | null;
  apiKey?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  connections: number;
  tls?: TlsOptions;
}

export async function openServerTarget(cfg: ServerTargetConfig): Promise<Target> {
  if (cfg.api === 'native') throw new UsageError([{ where: '--api', message: 'native needs a server adapter', hint: 'name the server with --server' }]);
  if (cfg.server !== 'openai' && cfg.server !== 'auto') throw new SetupError('LLMBENCH_ADAPTER_MISSING', `no adapter for --server ${cfg.server}`, 'use --server openai');
  return createOpenAiTarget({ url: cfg.url, api: cfg.api, model: cfg.model ?? undefined, apiKey: cfg.apiKey, headers: cfg.headers, timeoutMs: cfg.timeoutMs, connections: cfg.connections, tls: cfg.tls });
}
