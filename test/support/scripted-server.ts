/**
 * A scripted OpenAI-compatible SSE server with programmable per-token delays and faults, for tests and bench/.
 * The script can be chosen per request with the `x-script` header or a `script` field in --extra-body; the
 * server logs when it wrote each token (monotonic ms) so a client's measured gaps can be checked against the
 * server's real ones.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface Script {
  /** Delay before the first token, ms. */
  ttftMs?: number;
  /** Delay between tokens, ms (number, or one per gap). */
  itlMs?: number | number[];
  /** Tokens to stream; default: the request's max_tokens, or 8. */
  tokens?: number;
  /** Tokens to stop at when the request does not force the length (early EOS). */
  eosAfter?: number;
  /** Tokens per chunk (multi-token chunks); token ids are sent when `tokenIds` is true. */
  chunkTokens?: number;
  tokenIds?: boolean;
  usage?: boolean;
  /** Fault injection. */
  fault?: 'http500' | 'http400' | 'reset' | 'malformed' | 'error-event' | 'stall' | 'no-finish';
  /** Fault after this many tokens (reset, malformed, error-event, stall). */
  faultAfter?: number;
  /** Reject these body fields with a 400 naming them (a server without ignore_eos). */
  rejectFields?: string[];
  /** Text of each token. */
  piece?: string;
  /** Emit a reasoning chunk before the content. */
  reasoningTokens?: number;
}

export interface ScriptedServer {
  url: string;
  /** `remote`: the client's address (which network namespace sent it, in the shards test). */
  requests: Array<{ path: string; body: Record<string, unknown>; headers: IncomingMessage['headers']; remote: string | null; at: number }>;
  /** Per request id (x-request-id), the monotonic ms at which each token chunk was written. */
  writes: Map<string, number[]>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startScriptedServer(defaults: Script = {}, opts: { models?: string[]; tokenize?: boolean; host?: string; slots?: number } = {}): Promise<ScriptedServer> {
  const requests: ScriptedServer['requests'] = [];
  // `slots`: at most this many generations at once, the rest waiting FIFO before their first token (a server at
  // capacity: TTFT grows with the queue). Absent: no limit.
  let busy = 0;
  const queue: Array<() => void> = [];
  const acquire = () => (opts.slots === undefined || busy < opts.slots ? (busy++, Promise.resolve()) : new Promise<void>((r) => queue.push(r)));
  const releaseSlot = () => {
    const next = queue.shift();
    if (next) next();
    else busy--;
  };
  const writes = new Map<string, number[]>();
  const models = opts.models ?? ['scripted-model'];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // When the request arrived (monotonic ms, before its body is read), for arrival-time checks (trace replay).
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad json', type: 'invalid_request_error' } }));
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, body, headers: req.headers, remote: req.socket.remoteAddress ?? null, at });
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'scripted' })) }));
      return;
    }
    if (path === '/tokenize' && opts.tokenize) {
      // One token per whitespace-separated word: an exact, predictable tokenizer.
      const text = String(body.prompt ?? '');
      const msgs = body.messages as Array<{ content: string }> | undefined;
      const words = msgs ? ['<user>', ...msgs.flatMap((m) => m.content.split(/\s+/).filter(Boolean)), '<assistant>'] : text.split(/\s+/).filter(Boolean);
      const ids = words.map((w) => hashWord(w));
      if (body.add_special_tokens === true && !msgs) ids.unshift(1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tokens: ids, count: ids.length, max_model_len: 4096 }));
      return;
    }
    if (path === '/detokenize' && opts.tokenize) {
      const ids = body.tokens as number[];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ prompt: ids.map((i) => WORDS_BY_ID.get(i) ?? 'x').join(' ') }));
      return;
    }
    if (path !== '/v1/chat/completions' && path !== '/v1/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${path}` } }));
      return;
    }
    const s: Script = { ...defaults, ...((body.script as Script) ?? {}), ...(req.headers['x-script'] ? JSON.parse(String(req.headers['x-script'])) : {}) };
    for (const f of s.rejectFields ?? []) {
      if (f in body) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Unsupported parameter: '${f}'`, type: 'invalid_request_error', param: f } }));
        return;
      }
    }
    if (s.fault === 'http500') {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'internal failure', type: 'server_error' } }));
      return;
    }
    if (s.fault === 'http400') {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'This model\'s maximum context length is 4096 tokens', type: 'invalid_request_error' } }));
      return;
    }
    const chat = path === '/v1/chat/completions';
    const forced = body.ignore_eos === true || typeof body.min_tokens === 'number';
    const max = typeof body.max_tokens === 'number' ? body.max_tokens : 8;
    let n = s.tokens ?? max;
    if (!forced && s.eosAfter !== undefined) n = Math.min(n, s.eosAfter);
    const per = Math.max(1, s.chunkTokens ?? 1);
    const id = String(req.headers['x-request-id'] ?? `r${requests.length}`);
    const log: number[] = [];
    writes.set(id, log);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': keep-alive\n\n');
    if (chat) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] })}\n\n`);
    if (opts.slots !== undefined) {
      await acquire();
      // A client that gave up while queued already closed the response: hand the slot on at once.
      if (res.destroyed) return releaseSlot();
      res.once('close', releaseSlot);
    }
    await sleep(s.ttftMs ?? 0);
    for (let r = 0; r < (s.reasoningTokens ?? 0); r++) {
      res.write(`data: ${JSON.stringify({ id, choices: [{ index: 0, delta: { reasoning_content: 'hmm ' }, finish_reason: null }] })}\n\n`);
      log.push(performance.now());
      await sleep(typeof s.itlMs === 'number' ? s.itlMs : 0);
    }
    let sent = 0;
    let gap = 0;
    while (sent < n) {
      if (res.destroyed) return;
      if (s.faultAfter !== undefined && sent >= s.faultAfter) {
        if (s.fault === 'reset') {
          req.socket.destroy();
          return;
        }
        if (s.fault === 'malformed') {
          res.end('data: {"choices": [\n\n');
          return;
        }
        if (s.fault === 'error-event') {
          res.end(`data: ${JSON.stringify({ error: { message: 'CUDA out of memory', type: 'server_error', code: 500 } })}\n\ndata: [DONE]\n\n`);
          return;
        }
        if (s.fault === 'stall') {
          await sleep(60_000);
          return;
        }
      }
      const k = Math.min(per, n - sent);
      const text = (s.piece ?? ' tok').repeat(k);
      const choice = chat ? { index: 0, delta: { content: text }, finish_reason: null } : { index: 0, text, finish_reason: null };
      if (s.tokenIds) (choice as Record<string, unknown>).token_ids = Array.from({ length: k }, (_, j) => 100 + sent + j);
      res.write(`data: ${JSON.stringify({ id, choices: [choice] })}\n\n`);
      log.push(performance.now());
      sent += k;
      if (sent < n) {
        const d = Array.isArray(s.itlMs) ? s.itlMs[gap] ?? 0 : s.itlMs ?? 0;
        gap++;
        if (d > 0) await sleep(d);
      }
    }
    const reason = sent >= max ? 'length' : 'stop';
    if (s.fault === 'no-finish') {
      res.end();
      return;
    }
    res.write(`data: ${JSON.stringify({ id, choices: [chat ? { index: 0, delta: {}, finish_reason: reason } : { index: 0, text: '', finish_reason: reason }] })}\n\n`);
    const usageWanted = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    if (s.usage !== false && usageWanted) {
      const prompt = chat ? (body.messages as Array<{ content: string }>).map((m) => m.content).join(' ') : String(body.prompt ?? '');
      res.write(`data: ${JSON.stringify({ id, choices: [], usage: { prompt_tokens: prompt.split(/\s+/).filter(Boolean).length + (chat ? 2 : 0), completion_tokens: sent, total_tokens: 0 } })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  // `host`: an address of the tests' own (a network namespace's bridge); loopback by default.
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    writes,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const WORDS_BY_ID = new Map<number, string>();
function hashWord(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
  const id = 1000 + ((h >>> 0) % 1_000_000);
  WORDS_BY_ID.set(id, w);
  return id;
}
