/**
 * OpenAI-compatible endpoints as vLLM, SGLang, LMDeploy, trtllm-serve, llama.cpp /v1, Ollama /v1 and MindIE write
 * them; the differences between servers are options (protocols.md §2.3, §3.3, §4.3, §5.1, §7.3, §8.3, §9.2).
 */
import { type ServerResponse } from 'node:http';
import { FAIL, type Handler, json, outputLength, promptTokens, sleep, sse, sseHead, tokenText } from './base.js';

export interface OpenAiDialect {
  ownedBy: string;
  /** Tokens the fake model writes before EOS when the length is not forced. */
  natural?: number;
  /** Any of these body fields (truthy) forces the full max_tokens. */
  forceFields: string[];
  /** trtllm-serve: fields outside this list are a 400 naming them (extra="forbid"). */
  allowedFields?: string[];
  /** Fields answered with a 400 naming them (a server that doesn't know ignore_eos). */
  rejectFields?: string[];
  /** trtllm-serve writes its first chunk as `data: {...} \n\n`. */
  firstChunkTrailingSpace?: boolean;
  /** vLLM: `token_ids` (delta ids) on each chunk when the request asks with return_token_ids. */
  tokenIds?: boolean;
  /** Tokens per content chunk (vLLM stream_interval, speculative decoding). */
  chunkSize?: number;
  /** llama.cpp b4748: usage and `timings` ride on the finish_reason chunk, no separate usage chunk. */
  llamacppTimings?: boolean;
  /** MindIE "native OpenAI": usage carries prefill_time and decode_time_arr (ms). */
  mindieUsage?: boolean;
  /** Keep-alive comment lines between chunks. */
  keepAlive?: boolean;
  /** Field of the error object inside a 200 stream. */
  streamError?: unknown;
  models?: unknown;
  /** Extra model-card fields. */
  card?: Record<string, unknown>;
}

const CHUNK_META = { id: 'chatcmpl-1', created: 1795423603, model: 'm' };

function isForced(body: any, d: OpenAiDialect, max: number): boolean {
  return d.forceFields.some((f) => {
    const v = body[f];
    return v === true || (typeof v === 'number' && v >= max);
  });
}

async function stream(res: ServerResponse, body: any, d: OpenAiDialect, chat: boolean): Promise<void> {
  const max = body.max_tokens ?? body.max_completion_tokens ?? 16;
  const n = outputLength(max, isForced(body, d, max), d.natural ?? 5);
  const prompt = chat ? body.messages.map((m: any) => m.content).join(' ') : String(body.prompt);
  const pTokens = promptTokens(prompt) + (chat ? 4 : 0); // the chat template adds four tokens
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const choice = (text: string | null, finish: string | null, ids?: number[]) => {
    const c: any = chat ? { index: 0, delta: text === null ? {} : { content: text }, logprobs: null, finish_reason: finish } : { index: 0, text: text ?? '', logprobs: null, finish_reason: finish };
    if (ids && d.tokenIds && body.return_token_ids) c.token_ids = ids;
    return c;
  };
  sseHead(res);
  if (chat) sse(res, { ...CHUNK_META, object, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }, { trailing: d.firstChunkTrailingSpace ? ' ' : '' });
  const size = d.chunkSize ?? 1;
  for (let i = 0; i < n; i += size) {
    await sleep(1);
    if (prompt.includes(FAIL) && i >= 2) {
      sse(res, d.streamError ?? { error: { message: 'scripted failure', type: 'InternalServerError', param: null, code: 500 } });
      sse(res, '[DONE]');
      res.end();
      return;
    }
    if (d.keepAlive) res.write(': keep-alive\n\n');
    const ids = Array.from({ length: Math.min(size, n - i) }, (_, k) => 1000 + i + k);
    sse(res, { ...CHUNK_META, object, choices: [choice(ids.map((id) => tokenText(id - 1000)).join(''), null, ids)] });
  }
  const usage: any = { prompt_tokens: pTokens, completion_tokens: n, total_tokens: pTokens + n };
  if (d.mindieUsage) Object.assign(usage, { prefill_time: 45.5, decode_time_arr: Array.from({ length: n }, (_, i) => 10 + i) });
  const finish = n < max ? 'stop' : 'length';
  if (d.llamacppTimings) {
    sse(res, { ...CHUNK_META, object, choices: [choice(null, finish)], usage, timings: { prompt_n: pTokens, prompt_ms: 2.43, prompt_per_token_ms: 2.43 / pTokens, prompt_per_second: 1, predicted_n: n, predicted_ms: 16.278, predicted_per_token_ms: 1, predicted_per_second: 1 } });
  } else {
    sse(res, { ...CHUNK_META, object, choices: [choice(null, finish)] });
    if (body.stream_options?.include_usage) sse(res, { ...CHUNK_META, object, choices: [], usage });
  }
  sse(res, '[DONE]');
  res.end();
}

export function openAiHandler(d: OpenAiDialect): Handler {
  return async (req, res, body, path) => {
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      return json(res, 200, d.models ?? { object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: d.ownedBy, ...(d.card ?? {}) }] });
    }
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/completions')) return false;
    const chat = path === '/v1/chat/completions';
    if (d.allowedFields) {
      const bad = Object.keys(body).filter((k) => !d.allowedFields!.includes(k));
      if (bad.length) return json(res, 400, { error: `1 validation error for ${chat ? 'ChatCompletionRequest' : 'CompletionRequest'}\n${bad[0]}\n  Extra inputs are not permitted` });
    }
    const rejected = (d.rejectFields ?? []).find((f) => f in body);
    if (rejected) return json(res, 400, { error: { message: `Unrecognized request argument supplied: ${rejected}`, type: 'invalid_request_error', param: rejected, code: null } });
    if (body.model !== 'm') return json(res, 404, { error: { message: `The model \`${body.model}\` does not exist.`, type: 'NotFoundError', param: null, code: 404 } });
    await stream(res, body, d, chat);
    return true;
  };
}

/** vLLM/SGLang POST /tokenize and /detokenize (protocols.md §2.6): one id per word, 100 + position. */
export const vllmTokenize: Handler = (req, res, body, path) => {
  if (req.method !== 'POST') return false;
  if (path === '/tokenize') {
    const text = body.prompt ?? body.messages?.map((m: any) => m.content).join(' ') ?? '';
    const n = promptTokens(text) + (body.messages ? 4 : 0) + (body.add_special_tokens && !body.messages ? 1 : 0);
    return json(res, 200, { count: n, max_model_len: 2048, tokens: Array.from({ length: n }, (_, i) => 100 + i), token_strs: null });
  }
  if (path === '/detokenize') return json(res, 200, { prompt: body.tokens.map((t: number) => `t${t}`).join(' ') });
  return false;
};

/** Serves a Prometheus text body built per scrape (so counters can move). */
export function metricsHandler(path: string, body: (n: number) => string): Handler {
  let n = 0;
  return (req, res, _b, p) => {
    if (req.method !== 'GET' || p !== path) return false;
    n++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body(n));
    return true;
  };
}

export function okHandler(method: string, path: string, answer: unknown = {}): Handler {
  return (req, res, _b, p) => (req.method === method && p === path ? json(res, 200, answer) : false);
}
