/**
 * SGLang (protocols.md §3). OpenAI mode: `ignore_eos` + `min_tokens`. Native mode: POST /generate
 * `{text, sampling_params: {max_new_tokens, min_new_tokens, ignore_eos, ...}, stream: true}`; each event is
 * `data: {text, output_ids, meta_info}` and `text` is **cumulative** by default (the incremental form of
 * `--incremental-streaming-output` is recognised too); the chunk's token count is the growth of
 * `meta_info.completion_tokens` (`output_ids` semantics vary by version); `[DONE]` ends it. Server timings:
 * `meta_info.e2e_latency` (seconds) and cached_tokens. Tokenizer: /tokenize (vLLM form). Cache reset: /flush_cache.
 */
import { num } from '../../core/num.js';
import { type ApiSpec, finishType, IGNORE_EOS_MIN_TOKENS, type Json, sampling, type ServerSpec, str, tokenCount } from '../spec.js';
import { promptText } from '../target.js';
import { openAiApis, openAiProbe } from './openai.js';
import { answersOk } from './reset.js';

/**
 * Turns the `text` of successive /generate events into deltas. Whether the stream is cumulative (the default) or
 * incremental (--incremental-streaming-output) is decided once per request, at the first non-empty text that differs
 * from the first one: one that extends it means cumulative, anything else incremental. Deciding per event would drop
 * an incremental segment that happens to start with all the text before it (repeated "\n" tokens). Until then a text
 * equal to the first is held back: it is new text only if the stream turns out to be incremental.
 */
function textDeltas(): (text: string) => string {
  let mode: 'cumulative' | 'incremental' | null = null;
  let prev = '';
  let held = 0;
  return (text) => {
    if (!text) return '';
    if (mode === null) {
      if (!prev) {
        prev = text;
        return text;
      }
      if (text === prev) {
        held++;
        return '';
      }
      mode = text.startsWith(prev) ? 'cumulative' : 'incremental';
      if (mode === 'incremental') return prev.repeat(held) + text;
    }
    if (mode === 'incremental') return text;
    const delta = text.startsWith(prev) ? text.slice(prev.length) : text;
    prev = text;
    return delta;
  };
}

const NATIVE: ApiSpec = {
  api: 'native',
  length: { forcing: 'ignore_eos', fields: (n) => ({ ignore_eos: true, min_new_tokens: n }) },
  path: () => '/generate',
  body: (req, b) => ({ text: promptText(req), sampling_params: { ...sampling(req, 'max_new_tokens', 'sampling_seed'), ...b.length }, stream: true, ...req.extra_body }),
  reader: () => {
    const textDelta = textDeltas();
    const tokens = tokenCount();
    return {
      chunk: (o) => {
        const mi = (o.meta_info ?? {}) as Json;
        // output_ids semantics vary by version: the growth of completion_tokens is the chunk's token count.
        const c = { text: textDelta(str(o.text)), tokens: tokens(null, mi.completion_tokens) };
        const fr = finishType(mi.finish_reason);
        if (fr === null) return c;
        const e2e = num(mi.e2e_latency);
        return {
          ...c,
          usage: { prompt_tokens: num(mi.prompt_tokens), completion_tokens: num(mi.completion_tokens), cached_tokens: num(mi.cached_tokens), reasoning_tokens: num(mi.reasoning_tokens) },
          timings: { source: 'sglang.meta_info', e2e_ms: e2e === null ? null : e2e * 1000, prompt_tokens: num(mi.prompt_tokens), cached_tokens: num(mi.cached_tokens), output_tokens: num(mi.completion_tokens) },
          finish: fr,
        };
      },
    };
  },
};

export const SGLANG: ServerSpec = {
  kind: 'sglang',
  apis: [...openAiApis({ length: IGNORE_EOS_MIN_TOKENS }), NATIVE],
  probe: openAiProbe,
  tokenizers: ['vllm'],
  resetCache: async (http) => (await answersOk(http, 'POST', '/flush_cache')) || answersOk(http, 'GET', '/flush_cache'),
  metrics: { path: '/metrics' },
};
