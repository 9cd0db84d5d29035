/**
 * trtllm-serve `/prometheus/metrics` (its `/metrics` is JSON iteration stats). Prefix `trtllm_`. Source:
 * tensorrt_llm/metrics/collector.py (protocols.md §5.1). Cached prompt tokens / prompt tokens = prefix hit rate.
 */
import { S, type ServerMetricTable } from './types.js';

export const TRTLLM_METRICS: ServerMetricTable = {
  server: 'trtllm',
  gauges: {
    requests_running: [{ name: 'trtllm_num_requests_running' }],
    requests_waiting: [{ name: 'trtllm_num_requests_waiting' }],
    kv_cache_usage: [{ name: 'trtllm_kv_cache_utilization' }],
    prefix_cache_hit_rate_gauge: [{ name: 'trtllm_kv_cache_hit_rate' }],
  },
  counters: {
    prefix_cache_hits: [{ name: 'trtllm_prompt_cached_tokens_total' }],
    prefix_cache_queries: [{ name: 'trtllm_prompt_tokens_total' }],
    prompt_tokens: [{ name: 'trtllm_prompt_tokens_total' }],
    generation_tokens: [{ name: 'trtllm_generation_tokens_total' }],
    requests_finished: [{ name: 'trtllm_request_success_total' }],
    spec_accepted_tokens: [{ name: 'trtllm_spec_decode_num_accepted_tokens_total' }],
    spec_draft_tokens: [{ name: 'trtllm_spec_decode_num_draft_tokens_total' }],
  },
  timings: {
    ttft: [{ histogram: 'trtllm_time_to_first_token_seconds', toMs: S }],
    tpot: [{ histogram: 'trtllm_time_per_output_token_seconds', toMs: S }],
    e2e: [{ histogram: 'trtllm_e2e_request_latency_seconds', toMs: S }],
    queue: [{ histogram: 'trtllm_request_queue_time_seconds', toMs: S }],
    prefill: [{ histogram: 'trtllm_request_prefill_time_seconds', toMs: S }],
    decode: [{ histogram: 'trtllm_request_decode_time_seconds', toMs: S }],
    inference: [{ histogram: 'trtllm_request_inference_time_seconds', toMs: S }],
  },
};
