/**
 * One generic scripted HTTP(S) server for the contract suite: it answers a server's init probes, and plays each
 * generation request through that server's wire format (./format.ts), with the fault the request's prompt names.
 *
 * Faults are marker words in the prompt (so concurrent requests and retries need no shared queue):
 *   @multi       3 tokens per chunk (capped at the format's maxChunk: 1 on TGI and MindIE /infer)
 *   @tokenless   the finish rides on a chunk with no text
 *   @nousage     no usage / counters / details on the wire
 *   @error       after 2 token chunks, the server's own error object inside the 200 stream
 *   @http429 @http503   an HTTP error with the server's error body, before any byte of stream
 *   @reset       after 2 token chunks, a TCP reset
 *   @stall       after 2 token chunks, silence until the client goes away (timeouts, aborts)
 *   @malformed   after 2 token chunks, a chunk whose payload is not JSON; then the rest of the stream as usual
 *   @long        token 0 padded with 400 KiB of `x`: events far longer than one network read, under a 1 MiB cap
 *   @huge        after 1 token chunk, an event that never ends: 64 KiB pieces of `x` while the socket is writable,
 *                up to 64 MiB or until the client goes away
 *   @html        a 200 answer with content-type text/html (a proxy's error page)
 *   @gzip @deflate @br   the stream compressed (node:zlib, flushed per chunk) with that content-encoding
 *   @zstd        `content-encoding: zstd` on a plain body (an encoding the client cannot decode)
 *   @ctype-none @ctype-plain @ctype-jsonl   another (accepted) content-type, or none
 * Server-wide: `rejectLength` answers 400 or 422 naming the first length-forcing field a request carries.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type Socket } from 'node:net';
import { createBrotliCompress, createDeflate, createGzip } from 'node:zlib';
import { type Gen, type Plan, type Rendered, type WireFormat, DEFAULT_MAX, NATURAL, fastApi422 } from './format.js';
import { readBody } from '../servers/base.js';

export interface Logged {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** A generation request as the server saw it, and what it answered. */
export interface GenLog extends Logged {
  gen: Gen;
  faults: string[];
  /** Status answered. */
  status: number;
  rendered: Rendered | null;
  /** @huge: bytes of the endless event written before the client went away (or the cap was reached). */
  hugeBytes: number;
}

export interface WireServerOptions {
  tls?: { key: string; cert: string; ca: string };
  rejectLength?: 400 | 422;
}

export interface WireServer {
  url: string;
  requests: Logged[];
  gens: GenLog[];
  /** The generation request logged with this x-request-id. */
  gen(id: string): GenLog | undefined;
  close(): Promise<void>;
}

export const STREAM_ERROR = 'scripted failure: CUDA out of memory (contract)';
export const HTTP_ERRORS: Record<number, string> = { 429: 'Model is overloaded (contract)', 503: 'Service unavailable: engine is loading (contract)' };
export const HUGE_CAP = 64 * 1024 * 1024;
/** @long: token 0 carries this many extra characters; every event stays under 1 MiB even where the text repeats (TGI generated_text, SGLang cumulative text). */
export const LONG_PAD = 400 * 1024;
export const HTML_PAGE = `<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx/1.25.3</center>\n${'<!-- a padding to disable MSIE and Chrome friendly error page -->\n'.repeat(6)}</body>\n</html>\n`;

/** What a server answers on GET/POST besides generation (its init probes), keyed `METHOD /path`. */
export type Probes = Record<string, unknown>;

function markers(prompt: string): string[] {
  return [...prompt.matchAll(/@([a-z0-9-]+)/g)].map((m) => m[1]!);
}

function planFor(g: Gen, f: string[], format: WireFormat): Plan {
  const cap = g.max ?? DEFAULT_MAX;
  const tokens = g.forced ? cap : Math.min(cap, NATURAL);
  return {
    tokens,
    chunk: f.includes('multi') ? Math.min(3, format.maxChunk) : 1,
    finish: tokens < cap ? 'stop' : 'length',
    counters: !f.includes('nousage'),
    tokenlessFinal: f.includes('tokenless'),
    pad: f.includes('long') ? LONG_PAD : 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startWireServer(format: WireFormat, probes: Probes, opts: WireServerOptions = {}): Promise<WireServer> {
  const requests: Logged[] = [];
  const gens: GenLog[] = [];
  const sockets = new Set<Socket>();

  const sendJson = (res: ServerResponse, status: number, e: { body: string; contentType: string }) => {
    res.writeHead(status, { 'content-type': e.contentType, 'content-length': Buffer.byteLength(e.body) });
    res.end(e.body);
  };

  async function generate(req: IncomingMessage, res: ServerResponse, log: GenLog): Promise<void> {
    const { gen: g, faults: f } = log;
    if (g.forbidden) {
      log.status = 400;
      return sendJson(res, 400, format.httpError(400, `1 validation error for request\n${g.forbidden}\n  Extra inputs are not permitted`));
    }
    if (opts.rejectLength && g.lengthFields.length) {
      const field = g.lengthFields[0]!;
      log.status = opts.rejectLength;
      if (opts.rejectLength === 400) return sendJson(res, 400, format.httpError(400, `Unrecognized request argument supplied: ${field}`));
      return sendJson(res, 422, { body: fastApi422(field, true), contentType: 'application/json' });
    }
    for (const s of [429, 503]) {
      if (f.includes(`http${s}`)) {
        log.status = s;
        return sendJson(res, s, format.httpError(s, HTTP_ERRORS[s]!));
      }
    }
    log.status = 200;
    if (f.includes('html')) {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(HTML_PAGE) });
      res.end(HTML_PAGE);
      return;
    }
    const r = format.render(g, planFor(g, f, format));
    log.rendered = r;
    const headers: Record<string, string> = { 'cache-control': 'no-cache' };
    const ctype = f.includes('ctype-none') ? null : f.includes('ctype-plain') ? 'text/plain; charset=utf-8' : f.includes('ctype-jsonl') ? 'application/jsonl' : format.contentType;
    if (ctype) headers['content-type'] = ctype;
    const enc = ['gzip', 'deflate', 'br', 'zstd'].find((e) => f.includes(e));
    if (enc) headers['content-encoding'] = enc;
    res.writeHead(200, headers);
    res.flushHeaders();

    // Writes go through the compressor when the stream is encoded; each piece is flushed so it streams.
    const z = enc === 'gzip' ? createGzip() : enc === 'deflate' ? createDeflate() : enc === 'br' ? createBrotliCompress() : null;
    if (z) z.pipe(res);
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const put = async (s: string | Buffer): Promise<void> => {
      if (closed) return;
      if (z) {
        z.write(s);
        await new Promise<void>((resolve) => z.flush(() => resolve()));
      } else if (!res.write(s)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    };
    const end = (): void => {
      if (z) z.end();
      else res.end();
    };
    const untilClosed = () => new Promise<void>((resolve) => (closed ? resolve() : res.once('close', () => resolve())));

    for (const h of r.head) await put(h);
    const faultAt = f.includes('huge') ? 1 : Math.min(2, r.chunks.length);
    for (let i = 0; i < r.chunks.length; i++) {
      if (i === faultAt) {
        if (f.includes('error')) {
          await put(format.streamError(STREAM_ERROR));
          return end();
        }
        if (f.includes('reset')) {
          // give the client the chunks already written, then reset the connection (RST, not a clean close)
          await sleep(20);
          req.socket.resetAndDestroy();
          return;
        }
        if (f.includes('stall')) return untilClosed();
        if (f.includes('malformed')) await put(format.malformed());
        if (f.includes('huge')) {
          await put(format.hugePrefix());
          const piece = Buffer.alloc(64 * 1024, 'x');
          while (!closed && log.hugeBytes < HUGE_CAP) {
            await put(piece);
            log.hugeBytes += piece.length;
          }
          if (!closed) end();
          return;
        }
      }
      await put(r.chunks[i]!);
      await sleep(0);
    }
    for (const t of r.tail) await put(t);
    end();
  }

  const listener: RequestListener = async (req, res) => {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const logged: Logged = { method, path, headers: req.headers, body };
    requests.push(logged);
    try {
      if (method === 'POST' && format.matches(path) && body && typeof body === 'object') {
        const gen = format.read(body, path);
        const log: GenLog = { ...logged, gen, faults: markers(gen.prompt), status: 0, rendered: null, hugeBytes: 0 };
        gens.push(log);
        await generate(req, res, log);
        return;
      }
      const probe = probes[`${method} ${path}`];
      if (probe !== undefined) return sendJson(res, 200, { body: JSON.stringify(probe), contentType: 'application/json' });
      sendJson(res, 404, { body: JSON.stringify({ error: `not found: ${method} ${path}` }), contentType: 'application/json' });
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { body: JSON.stringify({ error: String(e) }), contentType: 'application/json' });
      else res.destroy();
    }
  };
  const tls = opts.tls;
  const server: Server = tls ? (createHttpsServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true }, listener) as unknown as Server) : createServer(listener);
  server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    gens,
    gen: (id) => gens.find((g) => g.headers['x-request-id'] === id),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
