/**
 * Building blocks of the scripted servers: a loopback HTTP server on port 0 that logs every request, a
 * deterministic fake model, and stream writers. Each protocol's server (one file each) reproduces that server's
 * documented wire format (../shared/reference/protocols.md) on top of these.
 *
 * The fake model: the prompt has one token per whitespace-separated word; output token i is ` w<i>`; without a
 * length-forcing field the model "hits EOS" after `natural` tokens (seed 003's early stop), so tests can tell
 * whether an adapter forced the length. A prompt containing FAIL_MIDSTREAM fails after two tokens inside the
 * 200 stream, in the server's own error shape.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface ScriptedServer {
  url: string;
  port: number;
  requests: LoggedRequest[];
  /** Requests to one path, in order. */
  bodies(path: string): any[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: any, path: string) => boolean | Promise<boolean>;

export const FAIL = 'FAIL_MIDSTREAM';

export function promptTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function tokenText(i: number): string {
  return ` w${i}`;
}

export function outputLength(max: number | null | undefined, forced: boolean, natural: number): number {
  const m = typeof max === 'number' && max >= 0 ? max : 16;
  return forced ? m : Math.min(m, natural);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
  res.end(s);
  return true;
}

export function sseHead(res: ServerResponse, contentType = 'text/event-stream'): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** One SSE event with the given prefix (`data: `, or `data:` for TGI) and trailing text before the blank line. */
export function sse(res: ServerResponse, obj: unknown, opts: { prefix?: string; trailing?: string } = {}): void {
  res.write(`${opts.prefix ?? 'data: '}${typeof obj === 'string' ? obj : JSON.stringify(obj)}${opts.trailing ?? ''}\n\n`);
}

/** HTTPS with a client certificate required (MindIE's default): PEM contents. */
export interface ScriptedTls {
  key: string;
  cert: string;
  /** CA that client certificates must chain to. */
  ca: string;
}

/** A request's body: parsed JSON, or the raw text when it is not JSON (servers log what they were sent). */
export async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return raw;
  }
}

export async function startScripted(handlers: Handler[], tls?: ScriptedTls): Promise<ScriptedServer> {
  const requests: LoggedRequest[] = [];
  const listener: RequestListener = async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    try {
      for (const h of handlers) if (await h(req, res, body, path)) return;
      json(res, 404, { error: 'not found' });
    } catch (e) {
      if (!res.headersSent) json(res, 500, { error: String(e) });
      else res.end();
    }
  };
  const server: Server = tls ? (createHttpsServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true }, listener) as unknown as Server) : createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    bodies: (p) => requests.filter((r) => r.path === p).map((r) => r.body),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
