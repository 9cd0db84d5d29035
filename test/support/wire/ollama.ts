/**
 * Ollama native NDJSON (protocols.md §8.3): POST /api/generate `{model, prompt, options{num_predict}}` or /api/chat
 * `{model, messages}`; one JSON object per line, `response` (or `message.content`) per line, the last line
 * `done: true` with `done_reason`, `eval_count` and durations in ns and (as Ollama writes it) no text. Errors:
 * `{"error": "..."}` as a line in the 200 stream and as the HTTP body. No length forcing.
 */
import { type Gen, type Plan, type Rendered, type WireFormat, MALFORMED, groups, jsonBody, ndjson, promptTokens, planText } from './format.js';

export const ollamaNative: WireFormat = {
  name: 'ollama-ndjson',
  matches: (p) => p === '/api/generate' || p === '/api/chat',
  contentType: 'application/x-ndjson',
  maxChunk: 8,
  read(body: any, path: string): Gen {
    const chat = path === '/api/chat';
    const max = typeof body.options?.num_predict === 'number' ? body.options.num_predict : null;
    const prompt = chat ? (Array.isArray(body.messages) ? body.messages.map((m: any) => String(m.content)).join(' ') : '') : String(body.prompt ?? '');
    return { prompt, max, lengthFields: [], forced: false, countersAsked: true, idsAsked: false, forbidden: null, chat };
  },
  render(g: Gen, p: Plan): Rendered {
    const base = { model: 'm', created_at: '2025-10-26T17:15:24.097767Z' };
    const piece = (text: string) => (g.chat ? { message: { role: 'assistant', content: text } } : { response: text });
    const done = () => {
      const o: Record<string, unknown> = { done: true, done_reason: p.finish };
      if (p.counters) Object.assign(o, { total_duration: 10706818083, load_duration: 6338219291, prompt_eval_count: promptTokens(g.prompt), prompt_eval_duration: 130079000, eval_count: p.tokens, eval_duration: 4232710000 });
      return o;
    };
    const gs = groups(p.tokens, p.chunk);
    const chunks = gs.map(({ from, k }, i) => ndjson({ ...base, ...piece(planText(p, from, k)), ...(i === gs.length - 1 && !p.tokenlessFinal ? done() : { done: false }) }));
    return { head: [], chunks, tail: p.tokenlessFinal ? [ndjson({ ...base, ...piece(''), ...done() })] : [], chunkTokens: null, finalTokens: 0, reported: p.counters ? p.tokens : null };
  },
  streamError: (message) => ndjson({ error: message }),
  httpError: (_status, message) => jsonBody({ error: message }),
  malformed: () => ndjson(MALFORMED),
  hugePrefix: () => '{"model":"m","response":"',
};
