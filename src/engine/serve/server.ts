/**
 * `llmbench serve`: an OpenAI-compatible HTTP server (node:http) over the embedded engine process.
 *
 * Routes: POST /v1/chat/completions, POST /v1/completions (SSE streaming or not), GET /v1/models, POST /tokenize,
 * POST /detokenize, POST /reset_prefix_cache, GET /health, GET /metrics. `parallel` sequences are decoded together (node-llama-cpp batches
 * the next token of every busy sequence into one llama_decode: continuous batching); more requests wait in FIFO
 * order and show as `llmbench:num_requests_waiting`.
 *
 * Errors use OpenAI's shape with 4xx codes for the client's mistakes: 400 bad JSON or fields (llama.cpp answers
 * 500 there), 404 unknown model or route, 405 wrong method, 413 body too large; 503 once the engine has died.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { epochNow } from '../../core/clock.js';
import { SetupError } from '../../core/errors.js';
import { EngineCrashed, EngineRequestError, type EngineSettings, startEngine } from '../llama/process.js';
import { type EngineInfo, type GenInput } from '../llama/protocol.js';
import { ApiError, finishReason, parseGeneration, parseJsonBody, parseMessages, timingsOf, usageOf, type ParsedGeneration } from './openai.js';
import { renderMetrics, ServeMetrics } from './metrics.js';

export interface ServeOptions extends EngineSettings {
  modelPath: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Parallel sequences (requests decoded at once). */
  parallel?: number;
}

export interface ServeHandle {
  url: string;
  info: EngineInfo;
  /** The model id served (file name without .gguf). */
  modelId: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    // Mid-stream: an error event inside the 200 stream, as OpenAI-compatible servers do.
    res.end(`data: ${JSON.stringify(err.body())}\n\n`);
    return;
  }
  sendJson(res, err.status, err.body());
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, `the request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function engineError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof EngineRequestError) {
    return err.code === 'context_length_exceeded' || err.code === 'empty_prompt'
      ? new ApiError(400, err.message, 'invalid_request_error', null, err.code)
      : new ApiError(500, err.message, 'server_error', null, err.code);
  }
  if (err instanceof EngineCrashed) return new ApiError(503, err.message, 'server_error', null, 'engine_unavailable');
  return new ApiError(500, (err as Error).message ?? String(err), 'server_error');
}

export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const parallel = opts.parallel ?? 1;
  // Prefix reuse on unless asked off, as llama.cpp's server (cache_prompt defaults to true).
  const { engine, modelPath } = await startEngine(opts.modelPath, { ...opts, prefixCache: opts.prefixCache ?? true }, parallel);
  const info = engine.info;
  const file = basename(modelPath);
  const modelId = file.replace(/\.gguf$/i, '');
  const acceptedIds = new Set([modelId, file, opts.modelPath, modelPath]);
  const metrics = new ServeMetrics();
  const created = Math.floor(Date.now() / 1000);

  function checkModel(model: string | null): void {
    if (model !== null && model !== '' && !acceptedIds.has(model)) {
      throw new ApiError(404, `The model '${model}' does not exist; this server serves '${modelId}'`, 'invalid_request_error', 'model', 'model_not_found');
    }
  }

  async function generation(req: IncomingMessage, res: ServerResponse, kind: 'chat' | 'completions'): Promise<void> {
    const receivedAt = epochNow();
    const g: ParsedGeneration = parseGeneration(parseJsonBody(await readBody(req)), kind, info.model.n_vocab);
    checkModel(g.model);
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`;
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    // One timestamp per response, as OpenAI's chunks of one completion all carry the same `created`.
    const createdAt = Math.floor(Date.now() / 1000);
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const chunk = (piece: string | null, finish: string | null) => ({
      id,
      object,
      created: createdAt,
      model: modelId,
      choices: [kind === 'chat'
        ? { index: 0, delta: piece === null ? {} : { content: piece }, finish_reason: finish }
        : { index: 0, text: piece ?? '', logprobs: null, finish_reason: finish }],
    });
    const write = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    let text = '';
    let lastAt: number | null = null;
    let started = false;
    metrics.waiting++;
    const onStart = () => {
      if (!started) {
        started = true;
        metrics.waiting--;
        metrics.running++;
      }
    };
    try {
      const end = await engine.generate(g.input, g.params, {
        start: onStart,
        token: (piece, at) => {
          metrics.generationTokens++;
          if (lastAt === null) metrics.ttft.observe((at - receivedAt) / 1000);
          else metrics.tpot.observe((at - lastAt) / 1000);
          lastAt = at;
          if (g.stream) {
            if (!res.headersSent) {
              res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
              if (kind === 'chat') write({ ...chunk(null, null), choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
            }
            write(chunk(piece, null));
          } else text += piece;
        },
      }, ac.signal);
      metrics.promptTokens += end.promptTokens;
      metrics.cachedPromptTokens += end.cachedTokens ?? 0;
      if (end.reason === 'cancelled') {
        metrics.finish('abort');
        res.destroy();
        return;
      }
      const reason = finishReason(end);
      metrics.finish(reason);
      metrics.e2e.observe((end.at - receivedAt) / 1000);
      if (g.stream) {
        if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        write({ ...chunk(null, reason), timings: timingsOf(end) });
        if (g.includeUsage) write({ id, object, created: createdAt, model: modelId, choices: [], usage: usageOf(end) });
        res.end('data: [DONE]\n\n');
      } else {
        sendJson(res, 200, {
          id,
          object: kind === 'chat' ? 'chat.completion' : 'text_completion',
          created: createdAt,
          model: modelId,
          choices: [kind === 'chat'
            ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: reason }
            : { index: 0, text, logprobs: null, finish_reason: reason }],
          usage: usageOf(end),
          timings: timingsOf(end),
        });
      }
    } catch (err) {
      metrics.finish('error');
      throw err;
    } finally {
      if (started) metrics.running--;
      else metrics.waiting--;
    }
  }

  async function tokenize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJsonBody(await readBody(req));
    let input: GenInput;
    if (typeof body.content === 'string') {
      // llama.cpp: {content, add_special (default false)}
      input = body.add_special === true ? { kind: 'prompt', text: body.content } : { kind: 'tokens', ids: await engine.call<number[]>('tokenize', { text: body.content }) };
    } else if (typeof body.prompt === 'string') {
      // vLLM: {prompt, add_special_tokens (default true)}
      input = body.add_special_tokens === false ? { kind: 'tokens', ids: await engine.call<number[]>('tokenize', { text: body.prompt }) } : { kind: 'prompt', text: body.prompt };
    } else if (body.messages !== undefined) {
      input = { kind: 'chat', messages: parseMessages(body.messages) };
    } else throw new ApiError(400, "send {content} (llama.cpp), {prompt} or {messages} (vLLM)", 'invalid_request_error', 'content');
    checkModel(typeof body.model === 'string' ? body.model : null);
    const tokens = input.kind === 'tokens' ? input.ids : await engine.call<number[]>('inputTokens', input);
    sendJson(res, 200, { tokens, count: tokens.length, max_model_len: info.contextSize });
  }

  async function detokenize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJsonBody(await readBody(req));
    const ids = body.tokens;
    const nVocab = info.model.n_vocab;
    if (!Array.isArray(ids) || !ids.every((t) => Number.isInteger(t) && t >= 0 && (nVocab === null || t < nVocab))) {
      throw new ApiError(400, `'tokens' must be an array of token ids${nVocab === null ? '' : ` below ${nVocab}`}`, 'invalid_request_error', 'tokens');
    }
    const content = await engine.call<string>('detokenize', { ids });
    sendJson(res, 200, { content, prompt: content });
  }

  const routes: Record<string, Partial<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void>>> = {
    '/v1/chat/completions': { POST: (q, s) => generation(q, s, 'chat') },
    '/v1/completions': { POST: (q, s) => generation(q, s, 'completions') },
    '/tokenize': { POST: tokenize },
    '/detokenize': { POST: detokenize },
    // vLLM's route and answer: the sequences' reused-prefix state is dropped (llmbench run flushes here before
    // each scenario, so scenarios start cold; cache_state in docs/metrics.md).
    '/reset_prefix_cache': {
      POST: async (_q, s) => {
        const sequences = await engine.call<number>('resetPrefixCache', null);
        sendJson(s, 200, { status: 'ok', sequences_flushed: sequences });
      },
    },
    '/v1/models': {
      GET: (_q, s) => sendJson(s, 200, {
        object: 'list',
        data: [{
          id: modelId,
          object: 'model',
          created,
          owned_by: 'llmbench',
          meta: { path: modelPath, size: info.model.bytes, n_vocab: info.model.n_vocab, n_ctx_train: info.model.train_context, n_ctx: info.contextSize, parallel: info.sequences, chat_template: info.chatTemplate, engine: info.environment },
        }],
      }),
    },
    '/health': { GET: (_q, s) => (engine.alive ? sendJson(s, 200, { status: 'ok' }) : sendJson(s, 503, { status: 'error', error: { message: 'the engine process is not running', type: 'server_error', param: null, code: 'engine_unavailable' } })) },
    '/metrics': {
      GET: (_q, s) => {
        const text = renderMetrics(metrics, modelId);
        s.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        s.end(text);
      },
    },
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    const handler = route?.[req.method ?? 'GET'];
    const run = async () => {
      if (!route) throw new ApiError(404, `no route ${path}`, 'invalid_request_error', null, 'not_found');
      if (!handler) {
        res.setHeader('allow', Object.keys(route).join(', '));
        throw new ApiError(405, `${req.method} is not allowed on ${path}`, 'invalid_request_error', null, 'method_not_allowed');
      }
      await handler(req, res);
    };
    run().catch((err: unknown) => {
      if (res.destroyed) return;
      sendError(res, engineError(err));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await engine.close();
    const e = err as NodeJS.ErrnoException;
    throw new SetupError('LLMBENCH_SERVE_LISTEN', `cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 0}: ${e.message}`, e.code === 'EADDRINUSE' ? 'pick another --port, or --port 0 for a free one' : 'check --host and --port');
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    info,
    modelId,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
}
