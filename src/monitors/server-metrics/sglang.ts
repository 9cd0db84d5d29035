/**
 * SGLang `/metrics` (needs `--enable-metrics`; prefix `sglang:`, label `model_name`).
 * Source: docs/references/production_metrics.md (protocols.md §3.7). SGLang exports a hit-rate gauge, not
 * hit/query counters; `queue_time_seconds` is from newer collectors (absent → null).
 */
import { S, type ServerMetricTable } from './types.js';

export const SGLANG_METRICS: ServerMetricTable = {
  server: 'sglang',
  gauges: {
    requests_running: [{ name: 'sglang:num_running_reqs' }],
    requests_waiting: [{ name: 'sglang:num_queue_reqs' }],
    kv_cache_usage: [{ name: 'sglang:token_usage' }],
    prefix_cache_hit_rate_gauge: [{ name: 'sglang:cache_hit_rate' }],
  },
  counters: {
    prompt_tokens: [{ name: 'sglang:prompt_tokens_total' }],
    generation_tokens: [{ name: 'sglang:generation_tokens_total' }],
  },
  timings: {
    ttft: [{ histogram: 'sglang:time_to_first_token_seconds', toMs: S }],
    itl: [{ histogram: 'sglang:inter_token_latency_seconds', toMs: S }, { histogram: 'sglang:time_per_output_token_seconds', toMs: S }],
    tpot: [{ histogram: 'sglang:time_per_output_token_seconds', toMs: S }],
    e2e: [{ histogram: 'sglang:e2e_request_latency_seconds', toMs: S }],
    queue: [{ histogram: 'sglang:queue_time_seconds', toMs: S }],
  },
};
