/**
 * LMDeploy POST /generate (protocols.md §4.3): `{prompt, max_tokens, ignore_eos, stream}`; each event
 * `data: {text (delta), output_ids (delta), meta_info{prompt_tokens, completion_tokens (cumulative), finish_reason}}`,
 * then `data: [DONE]`. Errors: LMDeploy's envelope `{message, type, code, param, object: "error"}` (flat over
 * HTTP, under `error` inside a stream).
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, forces, groups, jsonBody, present, promptTokens, sse, planText } from './format.js';

const LENGTH = ['ignore_eos'];

export const lmdeployGenerate: WireFormat = {
  name: 'lmdeploy-generate',
  matches: (p) => p === '/generate',
  contentType: 'text/event-stream',
  maxChunk: 8,
  read(body: any): Gen {
    const max = typeof body.max_tokens === 'number' ? body.max_tokens : null;
    return { prompt: String(body.prompt ?? ''), max, lengthFields: present(body, LENGTH), forced: forces(body, LENGTH, max), countersAsked: true, idsAsked: false, forbidden: null, chat: false };
  },
  render(g: Gen, p: Plan): Rendered {
    const pt = promptTokens(g.prompt);
    const event = (text: string, from: number, k: number, finish: string | null) => {
      const o: Record<string, unknown> = { text };
      const meta: Record<string, unknown> = { finish_reason: finish === null ? null : { type: finish } };
      if (p.counters) {
        o.output_ids = Array.from({ length: k }, (_, j) => 1000 + from + j);
        Object.assign(meta, { prompt_tokens: pt, completion_tokens: from + k });
      }
      o.meta_info = meta;
      return sse(o);
    };
    const gs = groups(p.tokens, p.chunk);
    const chunks = gs.map(({ from, k }, i) => event(planText(p, from, k), from, k, i === gs.length - 1 && !p.tokenlessFinal ? p.finish : null));
    const tail: string[] = [];
    if (p.tokenlessFinal) tail.push(event('', p.tokens, 0, p.finish));
    tail.push(sse('[DONE]'));
    return { head: [], chunks, tail, chunkTokens: p.counters ? gs.map((x) => x.k) : null, finalTokens: 0, reported: p.counters ? p.tokens : null };
  },
  streamError: (message) => sse({ error: { message, type: 'internal_error', code: 500, param: null, object: 'error' } }) + sse('[DONE]'),
  httpError: (status, message) => jsonBody({ message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: status, param: null, object: 'error' }),
  malformed: () => sse(MALFORMED),
  hugePrefix: () => 'data: {"text":"',
};
