/**
 * vLLM `/metrics` (prefix `vllm:`, labels `model_name`, `engine`). Renames handled by listing the new name first:
 * `gpu_cache_usage_perc` → `kv_cache_usage_perc` and `gpu_prefix_cache_*` → `prefix_cache_*` (deprecated 0.9),
 * `time_per_output_token_seconds` → `inter_token_latency_seconds` (0.11). Source: vllm/v1/metrics/loggers.py,
 * docs/usage/metrics.md (protocols.md §2.7). Counters carry prometheus_client's `_total` suffix.
 */
import { S, type ServerMetricTable } from './types.js';

export const VLLM_METRICS: ServerMetricTable = {
  server: 'vllm',
  gauges: {
    requests_running: [{ name: 'vllm:num_requests_running' }],
    requests_waiting: [{ name: 'vllm:num_requests_waiting' }],
    kv_cache_usage: [{ name: 'vllm:kv_cache_usage_perc' }, { name: 'vllm:gpu_cache_usage_perc' }],
  },
  counters: {
    prefix_cache_hits: [{ name: 'vllm:prefix_cache_hits_total' }, { name: 'vllm:gpu_prefix_cache_hits_total' }],
    prefix_cache_queries: [{ name: 'vllm:prefix_cache_queries_total' }, { name: 'vllm:gpu_prefix_cache_queries_total' }],
    prompt_tokens: [{ name: 'vllm:prompt_tokens_total' }],
    generation_tokens: [{ name: 'vllm:generation_tokens_total' }],
    requests_finished: [{ name: 'vllm:request_success_total' }],
    preemptions: [{ name: 'vllm:num_preemptions_total' }],
    spec_accepted_tokens: [{ name: 'vllm:spec_decode_num_accepted_tokens_total' }],
    spec_draft_tokens: [{ name: 'vllm:spec_decode_num_draft_tokens_total' }],
  },
  timings: {
    ttft: [{ histogram: 'vllm:time_to_first_token_seconds', toMs: S }],
    itl: [{ histogram: 'vllm:inter_token_latency_seconds', toMs: S }, { histogram: 'vllm:time_per_output_token_seconds', toMs: S }],
    tpot: [{ histogram: 'vllm:request_time_per_output_token_seconds', toMs: S }],
    e2e: [{ histogram: 'vllm:e2e_request_latency_seconds', toMs: S }],
    queue: [{ histogram: 'vllm:request_queue_time_seconds', toMs: S }],
    inference: [{ histogram: 'vllm:request_inference_time_seconds', toMs: S }],
    prefill: [{ histogram: 'vllm:request_prefill_time_seconds', toMs: S }],
    decode: [{ histogram: 'vllm:request_decode_time_seconds', toMs: S }],
  },
};
