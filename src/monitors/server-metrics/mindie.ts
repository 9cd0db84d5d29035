/**
 * MindIE `/metrics` on its metrics port (needs `MIES_SERVICE_MONITOR_MODE=1`); names have **no prefix**, label
 * `model_name`. Source: MindIE-LLM src/server/endpoint/http_wrapper/prometheus_metrics.cpp and hiascend
 * mindie_service0103 (protocols.md §9.3). The benchmark-tool figures PrefillBatchsize/DecoderBatchsize are not
 * exported there (batch sizes stay null; `requests_running` is the nearest server-side view).
 */
import { S, type ServerMetricTable } from './types.js';

export const MINDIE_METRICS: ServerMetricTable = {
  server: 'mindie',
  gauges: {
    requests_running: [{ name: 'num_requests_running' }],
    requests_waiting: [{ name: 'num_requests_waiting' }],
    kv_cache_usage: [{ name: 'npu_cache_usage_perc' }],
    prefix_cache_hit_rate_gauge: [{ name: 'npu_prefix_cache_hit_rate' }],
  },
  counters: {
    prompt_tokens: [{ name: 'prompt_tokens_total' }],
    generation_tokens: [{ name: 'generation_tokens_total' }],
    requests_finished: [{ name: 'request_success_total' }],
    preemptions: [{ name: 'num_preemptions_total' }],
  },
  timings: {
    ttft: [{ histogram: 'time_to_first_token_seconds', toMs: S }],
    tpot: [{ histogram: 'time_per_output_token_seconds', toMs: S }],
    e2e: [{ histogram: 'e2e_request_latency_seconds', toMs: S }],
  },
};
