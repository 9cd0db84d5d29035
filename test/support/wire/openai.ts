/**
 * OpenAI-style /v1/chat/completions and /v1/completions as each server writes them (protocols.md §1–§9): the
 * stream is the same everywhere; what differs is which length fields a server honours, its error bodies, and
 * whether it puts token ids on chunks (vLLM `return_token_ids`). One dialect object per server.
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, forces, groups, jsonBody, present, promptTokens, sse, planText } from './format.js';

export interface OpenAiDialect {
  /** Length fields the server honours (an empty list: it cannot force lengths). */
  lengthFields: string[];
  /** Chunks carry `token_ids` when the request asks with return_token_ids (vLLM). */
  tokenIds?: boolean;
  /** trtllm-serve: any other body field is a 400 naming it. */
  allowedFields?: string[];
  /** The server's HTTP error body. */
  httpError(status: number, message: string): { body: string; contentType: string };
  /** The server's error object inside a 200 stream (default: vLLM's). */
  streamError?(message: string): unknown;
  /** llama.cpp before PR #16109 writes mid-stream errors on an `error:` field. */
  legacyErrorField?: boolean;
}

const META = { id: 'cmpl-1', created: 1795423603, model: 'm' };

/** vLLM / OpenAI `{"error": {message, type, param, code}}`. */
export const openAiError = (status: number, message: string) => jsonBody({ error: { message, type: status >= 500 ? 'InternalServerError' : 'BadRequestError', param: null, code: status } });

export function openAiFormat(api: 'chat' | 'completions', d: OpenAiDialect): WireFormat {
  const chat = api === 'chat';
  const path = chat ? '/v1/chat/completions' : '/v1/completions';
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const choice = (text: string | null, finish: string | null, ids: number[] | null) => {
    const c: Record<string, unknown> = chat ? { index: 0, delta: text === null ? {} : { content: text }, logprobs: null, finish_reason: finish } : { index: 0, text: text ?? '', logprobs: null, finish_reason: finish };
    if (ids) c.token_ids = ids;
    return c;
  };
  return {
    name: `openai-${api}`,
    matches: (p) => p === path,
    contentType: 'text/event-stream',
    maxChunk: 8,
    read(body: any): Gen {
      const max = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : null;
      const prompt = chat ? (Array.isArray(body.messages) ? body.messages.map((m: any) => String(m.content)).join(' ') : '') : String(body.prompt ?? '');
      const forbidden = d.allowedFields ? (Object.keys(body).find((k) => !d.allowedFields!.includes(k)) ?? null) : null;
      return {
        prompt,
        max,
        lengthFields: present(body, d.lengthFields),
        forced: forces(body, d.lengthFields, max),
        countersAsked: body.stream_options?.include_usage === true,
        idsAsked: d.tokenIds === true && body.return_token_ids === true,
        forbidden,
        chat,
      };
    },
    render(g: Gen, p: Plan): Rendered {
      const head = chat ? [sse({ ...META, object, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })] : [];
      const gs = groups(p.tokens, p.chunk);
      const chunks = gs.map(({ from, k }, i) => {
        const last = i === gs.length - 1;
        const ids = g.idsAsked ? Array.from({ length: k }, (_, j) => 1000 + from + j) : null;
        return sse({ ...META, object, choices: [choice(planText(p, from, k), last && !p.tokenlessFinal ? p.finish : null, ids)] });
      });
      const tail: string[] = [];
      if (p.tokenlessFinal) tail.push(sse({ ...META, object, choices: [choice(null, p.finish, g.idsAsked ? [] : null)] }));
      const reported = p.counters && g.countersAsked ? p.tokens : null;
      if (reported !== null) {
        const pt = promptTokens(g.prompt);
        tail.push(sse({ ...META, object, choices: [], usage: { prompt_tokens: pt, completion_tokens: reported, total_tokens: pt + reported } }));
      }
      tail.push(sse('[DONE]'));
      return { head, chunks, tail, chunkTokens: g.idsAsked ? gs.map((x) => x.k) : null, finalTokens: 0, reported };
    },
    streamError(message) {
      const obj = d.streamError ? d.streamError(message) : { error: { message, type: 'InternalServerError', param: null, code: 500 } };
      return d.legacyErrorField ? `error: ${JSON.stringify((obj as { error: unknown }).error)}\n\n` : sse(obj) + sse('[DONE]');
    },
    httpError: (status, message) => d.httpError(status, message),
    malformed: () => sse(MALFORMED),
    hugePrefix: () => `data: {"id":"cmpl-1","object":"${object}","choices":[{"index":0,"${chat ? 'delta":{"content' : 'text'}":"`,
  };
}

