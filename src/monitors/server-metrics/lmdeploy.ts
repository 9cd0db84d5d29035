/**
 * LMDeploy `/metrics` (prefix `lmdeploy:`). Source: lmdeploy/metrics/loggers.py, docs/en/advance/metrics.md
 * @1263d5cd8 (protocols.md §4.7). Prefix-cache hit rate from counters = cached prompt tokens / prompt tokens.
 * The spec-decode counter names follow vLLM's (`lmdeploy:spec_decode_*`); absent → null.
 */
import { S, type ServerMetricTable } from './types.js';

export const LMDEPLOY_METRICS: ServerMetricTable = {
  server: 'lmdeploy',
  gauges: {
    requests_running: [{ name: 'lmdeploy:num_requests_running' }],
    requests_waiting: [{ name: 'lmdeploy:num_requests_waiting' }],
    kv_cache_usage: [{ name: 'lmdeploy:gpu_cache_usage_perc' }],
    prefix_cache_hit_rate_gauge: [{ name: 'lmdeploy:prefix_cache_hit_rate' }],
  },
  counters: {
    prefix_cache_hits: [{ name: 'lmdeploy:cached_tokens_total' }],
    prefix_cache_queries: [{ name: 'lmdeploy:prompt_tokens_total' }],
    prompt_tokens: [{ name: 'lmdeploy:prompt_tokens_total' }],
    generation_tokens: [{ name: 'lmdeploy:generation_tokens_total' }],
    requests_finished: [{ name: 'lmdeploy:request_success_total' }],
    spec_accepted_tokens: [{ name: 'lmdeploy:spec_decode_num_accepted_tokens_total' }],
    spec_draft_tokens: [{ name: 'lmdeploy:spec_decode_num_draft_tokens_total' }],
  },
  timings: {
    ttft: [{ histogram: 'lmdeploy:time_to_first_token_seconds', toMs: S }],
    tpot: [{ histogram: 'lmdeploy:time_per_output_token_seconds', toMs: S }],
    itl: [{ histogram: 'lmdeploy:iter_token_latency', toMs: S }],
    e2e: [{ histogram: 'lmdeploy:e2e_request_latency_seconds', toMs: S }],
    queue: [{ histogram: 'lmdeploy:request_queue_time_seconds', toMs: S }],
    inference: [{ histogram: 'lmdeploy:request_inference_time_seconds', toMs: S }],
    prefill: [{ histogram: 'lmdeploy:request_prefill_time_seconds', toMs: S }],
    decode: [{ histogram: 'lmdeploy:request_decode_time_seconds', toMs: S }],
  },
};
