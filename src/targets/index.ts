/**
 * Opens the target a run talks to: the embedded engine when there is no --target, else a server adapter
 * (src/targets/servers.ts picks it from --server, detecting the server for `auto`).
 */
import { UsageError } from '../core/errors.js';
import { type TlsOptions } from '../net/http.js';
import { createServerTarget, SERVER_KINDS, type ServerTarget, type ServerTargetOptions } from './servers.js';
import { type ApiStyle } from './target.js';

export interface ServerTargetConfig {
  url: string;
  /** null: the adapter's default (chat where the server has an OpenAI-style endpoint, else native). */
  api: ApiStyle | null;
  /** Adapter name (--server): 'auto' detects; 'openai' for any OpenAI-compatible server. */
  server: string;
  model: string | null;
  apiKey?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  connections: number;
  tls?: TlsOptions;
  /** --max-event-bytes; undefined = the default (16 MiB). */
  maxEventBytes?: number;
}

export async function openServerTarget(cfg: ServerTargetConfig): Promise<ServerTarget> {
  if (!(SERVER_KINDS as readonly string[]).includes(cfg.server)) {
    throw new UsageError([{ where: '--server', message: `'${cfg.server}' is not a known server`, hint: `one of: ${SERVER_KINDS.join(', ')}` }]);
  }
  return createServerTarget({
    server: cfg.server as ServerTargetOptions['server'],
    api: cfg.api,
    url: cfg.url,
    model: cfg.model ?? undefined,
    apiKey: cfg.apiKey,
    headers: cfg.headers,
    timeoutMs: cfg.timeoutMs,
    connections: cfg.connections,
    tls: cfg.tls,
    maxEventBytes: cfg.maxEventBytes,
  });
}
