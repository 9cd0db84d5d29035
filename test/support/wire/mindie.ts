/**
 * MindIE POST /infer (protocols.md §9.2): `{inputs, stream, parameters{max_new_tokens, details}}`; one token per
 * event `data: {prefill_time, decode_time, token{id, text}}`, the last with `details{finish_reason,
 * generated_tokens}` when details were asked; no terminator: the stream ends with the connection. Its error shapes
 * are not documented (UNVERIFIED): the TGI shape it copies elsewhere, `{"error", "error_type"}`, is used. The
 * token-less final is TGI's: an EOS token with empty text, counted. No length forcing on /infer.
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, jsonBody, sse, planText, readTgiStyle } from './format.js';

export const mindieInfer: WireFormat = {
  name: 'mindie-infer',
  matches: (p) => p === '/infer',
  contentType: 'text/event-stream',
  maxChunk: 1,
  read: readTgiStyle,
  render(g: Gen, p: Plan): Rendered {
    const total = p.tokens + (p.tokenlessFinal ? 1 : 0);
    const details = () => (p.counters && g.countersAsked ? { details: { finish_reason: p.finish === 'length' ? 'length' : 'eos_token', generated_tokens: total, seed: 846930886 } } : {});
    const chunks: string[] = [];
    for (let i = 0; i < p.tokens; i++) {
      const last = i === p.tokens - 1 && !p.tokenlessFinal;
      chunks.push(sse({ prefill_time: i === 0 ? 45.5 : null, decode_time: i === 0 ? null : 10 + i, token: { id: 1000 + i, text: planText(p, i, 1) }, ...(last ? details() : {}) }));
    }
    const tail = p.tokenlessFinal ? [sse({ prefill_time: null, decode_time: 9, token: { id: 2, text: '' }, ...details() })] : [];
    return { head: [], chunks, tail, chunkTokens: chunks.map(() => 1), finalTokens: p.tokenlessFinal ? 1 : 0, reported: p.counters && g.countersAsked ? total : null };
  },
  streamError: (message) => sse({ error: message, error_type: 'generation' }),
  httpError: (_status, message) => jsonBody({ error: message, error_type: 'validation' }),
  malformed: () => sse(MALFORMED),
  hugePrefix: () => 'data: {"prefill_time":null,"token":{"id":1,"text":"',
};
