/**
 * SGLang POST /generate (protocols.md §3.3): `{text, sampling_params{max_new_tokens, ignore_eos, min_new_tokens}}`;
 * each event `data: {text (cumulative), output_ids, meta_info{finish_reason, prompt_tokens, completion_tokens
 * (cumulative), cached_tokens, e2e_latency}}`, then `data: [DONE]`. Errors: `{"error": {"message"}}` in the
 * stream; HTTP errors are FastAPI's `{"object":"error","message",...}`.
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, forces, groups, jsonBody, present, promptTokens, sse, planText } from './format.js';

const LENGTH = ['ignore_eos', 'min_new_tokens'];

export const sglangGenerate: WireFormat = {
  name: 'sglang-generate',
  matches: (p) => p === '/generate',
  contentType: 'text/event-stream',
  maxChunk: 8,
  read(body: any): Gen {
    const sp = body.sampling_params ?? {};
    const max = typeof sp.max_new_tokens === 'number' ? sp.max_new_tokens : null;
    return { prompt: String(body.text ?? ''), max, lengthFields: present(sp, LENGTH), forced: forces(sp, LENGTH, max), countersAsked: true, idsAsked: false, forbidden: null, chat: false };
  },
  render(g: Gen, p: Plan): Rendered {
    const pt = promptTokens(g.prompt);
    const meta = (done: number, finish: string | null) => {
      const m: Record<string, unknown> = { id: 'abc', finish_reason: finish === null ? null : finish === 'length' ? { type: 'length', length: done } : { type: 'stop', matched: 2 } };
      if (p.counters) Object.assign(m, { prompt_tokens: pt, completion_tokens: done, cached_tokens: 0 });
      if (finish !== null) m.e2e_latency = 0.25;
      return m;
    };
    const ids = (n: number) => (p.counters ? { output_ids: Array.from({ length: n }, (_, j) => 1000 + j) } : {});
    const gs = groups(p.tokens, p.chunk);
    const chunks = gs.map(({ from, k }, i) => {
      const last = i === gs.length - 1;
      return sse({ text: planText(p, 0, from + k), ...ids(from + k), meta_info: meta(from + k, last && !p.tokenlessFinal ? p.finish : null) });
    });
    const tail: string[] = [];
    if (p.tokenlessFinal) tail.push(sse({ text: planText(p, 0, p.tokens), ...ids(p.tokens), meta_info: meta(p.tokens, p.finish) }));
    tail.push(sse('[DONE]'));
    return { head: [], chunks, tail, chunkTokens: p.counters ? gs.map((x) => x.k) : null, finalTokens: 0, reported: p.counters ? p.tokens : null };
  },
  streamError: (message) => sse({ error: { message } }) + sse('[DONE]'),
  httpError: (status, message) => jsonBody({ object: 'error', message, type: status >= 500 ? 'InternalServerError' : 'BadRequestError', param: null, code: status }),
  malformed: () => sse(MALFORMED),
  hugePrefix: () => 'data: {"text":"',
};
