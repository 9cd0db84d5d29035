/**
 * TGI POST /generate_stream (protocols.md §6.3): `{inputs, parameters{max_new_tokens, details}}`; events are
 * `data:{...}` without the space, exactly one `token` each; the last carries `generated_text` and, with
 * `details: true`, `details{finish_reason, generated_tokens}`; the EOS step is a special token with empty text that
 * is counted; no [DONE]. Errors: `{"error", "error_type"}` both in the stream and over HTTP. No length forcing.
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, jsonBody, sse, planText, readTgiStyle } from './format.js';

const ev = (o: unknown) => sse(o, 'data:');

export const tgiGenerateStream: WireFormat = {
  name: 'tgi-generate_stream',
  matches: (p) => p === '/generate_stream',
  contentType: 'text/event-stream',
  maxChunk: 1,
  read: readTgiStyle,
  render(g: Gen, p: Plan): Rendered {
    const total = p.tokens + (p.tokenlessFinal ? 1 : 0);
    const finalOf = (o: Record<string, unknown>) => {
      o.generated_text = planText(p, 0, p.tokens);
      if (p.counters && g.countersAsked) o.details = { finish_reason: p.finish === 'length' ? 'length' : 'eos_token', generated_tokens: total, seed: null, input_length: 3 };
      return o;
    };
    const chunks: string[] = [];
    for (let i = 0; i < p.tokens; i++) {
      const o: Record<string, unknown> = { index: i + 1, token: { id: 1000 + i, text: planText(p, i, 1), logprob: -0.5, special: false }, generated_text: null, details: null, top_tokens: null };
      chunks.push(ev(i === p.tokens - 1 && !p.tokenlessFinal ? finalOf(o) : o));
    }
    const tail = p.tokenlessFinal ? [ev(finalOf({ index: total, token: { id: 2, text: '', logprob: -0.1, special: true }, generated_text: null, details: null, top_tokens: null }))] : [];
    return { head: [':\n\n'], chunks, tail, chunkTokens: chunks.map(() => 1), finalTokens: p.tokenlessFinal ? 1 : 0, reported: p.counters && g.countersAsked ? total : null };
  },
  streamError: (message) => ev({ error: message, error_type: 'generation' }),
  httpError: (_status, message) => jsonBody({ error: message, error_type: 'validation' }),
  malformed: () => ev(MALFORMED),
  hugePrefix: () => 'data:{"index":1,"token":{"id":1,"text":"',
};
