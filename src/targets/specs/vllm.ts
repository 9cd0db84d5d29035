/**
 * vLLM's OpenAI-compatible server (protocols.md §2). Exact length: `ignore_eos` + `min_tokens`. Token counts: the
 * final `usage` chunk; `return_token_ids: true` adds each chunk's delta ids (newer builds; older ones ignore unknown
 * fields). Per-request timings exist only from v0.25 behind --enable-per-request-metrics (a `metrics` object on the
 * usage chunk, in ms already). Cache reset: POST /reset_prefix_cache (newer vLLM serves it only with
 * VLLM_SERVER_DEV_MODE=1; a 404 means "could not reset").
 */
import { num } from '../../core/num.js';
import { IGNORE_EOS_MIN_TOKENS, type Json, type ServerSpec } from '../spec.js';
import { openAiApis, openAiProbe } from './openai.js';
import { answersOk } from './reset.js';

export const VLLM: ServerSpec = {
  kind: 'vllm',
  apis: openAiApis({
    length: IGNORE_EOS_MIN_TOKENS,
    extra: { return_token_ids: true },
    timings: (chunk) => {
      const m = chunk.metrics as Json | undefined;
      if (!m || typeof m !== 'object') return null;
      return { source: 'vllm.metrics', ttft_ms: num(m.time_to_first_token_ms), queue_ms: num(m.queue_time_ms), decode_ms: num(m.generation_time_ms) };
    },
  }),
  probe: openAiProbe,
  modelCard: (card, info) => {
    if (typeof card.max_model_len === 'number') info.max_model_len = card.max_model_len;
  },
  tokenizers: ['vllm'],
  resetCache: (http) => answersOk(http, 'POST', '/reset_prefix_cache'),
  metrics: { path: '/metrics' },
};
