/**
 * Triton generate_stream with the TensorRT-LLM ensemble (protocols.md §5.2–5.3): `{text_input, max_tokens,
 * min_tokens, stream, return_num_output_tokens}` as top-level tensors; each response `data: {text_output, ...}`
 * with `num_output_tokens` (per response here) when asked; no finish reason and no [DONE]: the stream ends with the
 * connection. Errors: `{"error": "..."}` over HTTP and inside the stream.
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, forces, groups, jsonBody, present, promptTokens, sse, planText } from './format.js';

const LENGTH = ['min_tokens'];

export const tritonGenerateStream: WireFormat = {
  name: 'triton-generate_stream',
  matches: (p) => p === '/v2/models/ensemble/generate_stream',
  contentType: 'text/event-stream; charset=utf-8',
  maxChunk: 8,
  read(body: any): Gen {
    const max = typeof body.max_tokens === 'number' ? body.max_tokens : null;
    return { prompt: String(body.text_input ?? ''), max, lengthFields: present(body, LENGTH), forced: forces(body, LENGTH, max), countersAsked: body.return_num_output_tokens === true, idsAsked: false, forbidden: null, chat: false };
  },
  render(g: Gen, p: Plan): Rendered {
    const counted = p.counters && g.countersAsked;
    const out = (text: string, k: number) => {
      const o: Record<string, unknown> = { model_name: 'ensemble', model_version: '1', sequence_end: false, sequence_id: 0, sequence_start: false, text_output: text, cum_log_probs: 0, output_log_probs: [0] };
      if (counted) Object.assign(o, { num_output_tokens: k, num_input_tokens: promptTokens(g.prompt) });
      return sse(o);
    };
    const chunks = groups(p.tokens, p.chunk).map(({ from, k }) => out(planText(p, from, k), k));
    return { head: [], chunks, tail: p.tokenlessFinal ? [out('', 0)] : [], chunkTokens: null, finalTokens: 0, reported: counted ? p.tokens : null };
  },
  streamError: (message) => sse({ error: message }),
  httpError: (_status, message) => jsonBody({ error: message }),
  malformed: () => sse(MALFORMED),
  hugePrefix: () => 'data: {"model_name":"ensemble","text_output":"',
};
