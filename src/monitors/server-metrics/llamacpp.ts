/**
 * llama.cpp `/metrics` (needs `--metrics`; prefix `llamacpp:`). Source: tools/server/README.md and the b4748
 * transcript in shared/fixtures (protocols.md §7.7). No per-request histograms: prompt/decode time per token
 * come from the `*_seconds_total / *_tokens_total` counter pairs. `kv_cache_usage_ratio` exists in older builds
 * only; `n_busy_slots_per_decode` is the mean number of sequences per llama_decode() call, i.e. the batch size.
 */
import { S, type ServerMetricTable } from './types.js';

export const LLAMACPP_METRICS: ServerMetricTable = {
  server: 'llamacpp',
  gauges: {
    requests_running: [{ name: 'llamacpp:requests_processing' }],
    requests_waiting: [{ name: 'llamacpp:requests_deferred' }],
    kv_cache_usage: [{ name: 'llamacpp:kv_cache_usage_ratio' }],
    decode_batch_size: [{ name: 'llamacpp:n_busy_slots_per_decode' }],
  },
  counters: {
    prompt_tokens: [{ name: 'llamacpp:prompt_tokens_total' }],
    generation_tokens: [{ name: 'llamacpp:tokens_predicted_total' }],
    spec_accepted_tokens: [{ name: 'llamacpp:spec_decode_num_accepted_tokens_total' }],
    spec_draft_tokens: [{ name: 'llamacpp:spec_decode_num_draft_tokens_total' }],
  },
  timings: {
    prefill_per_token: [{ sum: 'llamacpp:prompt_seconds_total', count: 'llamacpp:prompt_tokens_total', toMs: S }],
    decode_per_token: [{ sum: 'llamacpp:tokens_predicted_seconds_total', count: 'llamacpp:tokens_predicted_total', toMs: S }],
  },
};
