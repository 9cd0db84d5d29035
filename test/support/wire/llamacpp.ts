/**
 * llama.cpp POST /completion (protocols.md §7.3, the b4748 transcripts): `{prompt, n_predict, ignore_eos}`; per
 * chunk `data: {content, tokens:[ids], stop:false, tokens_predicted, tokens_evaluated}`; the last event is always
 * token-less, `stop: true` with `stop_type` (eos|limit), `tokens_predicted` and `timings`; no [DONE]. Mid-stream
 * errors on the pre-#16109 `error:` field; HTTP errors `{"error": {code, message, type}}`.
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, forces, groups, jsonBody, present, promptTokens, sse, planText } from './format.js';

const LENGTH = ['ignore_eos'];

export const llamacppCompletion: WireFormat = {
  name: 'llamacpp-completion',
  matches: (p) => p === '/completion',
  contentType: 'text/event-stream',
  maxChunk: 8,
  read(body: any): Gen {
    const max = typeof body.n_predict === 'number' && body.n_predict >= 0 ? body.n_predict : null;
    return { prompt: String(body.prompt ?? ''), max, lengthFields: present(body, LENGTH), forced: forces(body, LENGTH, max), countersAsked: true, idsAsked: true, forbidden: null, chat: false };
  },
  render(g: Gen, p: Plan): Rendered {
    const pt = promptTokens(g.prompt) + 1;
    const gs = groups(p.tokens, p.chunk);
    const chunks = gs.map(({ from, k }) => {
      const o: Record<string, unknown> = { index: 0, content: planText(p, from, k), stop: false, id_slot: -1 };
      if (p.counters) Object.assign(o, { tokens: Array.from({ length: k }, (_, j) => 1000 + from + j), tokens_predicted: from + k, tokens_evaluated: pt });
      return sse(o);
    });
    // llama.cpp's final event never carries text: the token-less final is its only form.
    const fin: Record<string, unknown> = { index: 0, content: '', id_slot: 0, stop: true, model: 'm', stop_type: p.finish === 'length' ? 'limit' : 'eos', stopping_word: '', truncated: false };
    if (p.counters) Object.assign(fin, { tokens: [], tokens_predicted: p.tokens, tokens_evaluated: pt, timings: { prompt_n: pt, prompt_ms: 1.5, predicted_n: p.tokens, predicted_ms: 19.5 } });
    return { head: [], chunks, tail: [sse(fin)], chunkTokens: p.counters ? gs.map((x) => x.k) : null, finalTokens: 0, reported: p.counters ? p.tokens : null };
  },
  streamError: (message) => `error: ${JSON.stringify({ code: 500, message, type: 'server_error' })}\n\n`,
  httpError: (status, message) => jsonBody({ error: { code: status, message, type: status >= 500 ? 'server_error' : 'invalid_request_error' } }),
  malformed: () => sse(MALFORMED),
  hugePrefix: () => 'data: {"index":0,"content":"',
};
