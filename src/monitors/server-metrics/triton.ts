/**
 * Triton `:8002/metrics` (prefix `nv_`, per-model labels `model`, `version`). Source: triton server
 * docs/user_guide/metrics.md @e1db8a603 (protocols.md §5.4). Durations are cumulative counters in µs; Triton's docs
 * derive the average as duration / `nv_inference_request_success`. Restricted to the target model (`modelLabel`)
 * so the ensemble's preprocessing/tensorrt_llm/postprocessing sub-models are not added in.
 */
import { type ServerMetricTable } from './types.js';

const US = 0.001; // µs → ms

export const TRITON_METRICS: ServerMetricTable = {
  server: 'triton',
  modelLabel: 'model',
  gauges: {
    requests_running: [{ name: 'nv_trt_llm_request_metrics', filter: { request_type: 'active' } }],
    requests_waiting: [{ name: 'nv_inference_pending_request_count' }, { name: 'nv_trt_llm_request_metrics', filter: { request_type: 'waiting' } }],
    kv_cache_usage: [{ name: 'nv_trt_llm_kv_cache_block_metrics', filter: { kv_cache_block_type: 'fraction' } }],
  },
  counters: {
    requests_finished: [{ name: 'nv_inference_request_success' }],
  },
  timings: {
    ttft: [{ histogram: 'nv_inference_first_response_histogram_ms', toMs: 1 }],
    e2e: [{ sum: 'nv_inference_request_duration_us', count: 'nv_inference_request_success', toMs: US }],
    queue: [{ sum: 'nv_inference_queue_duration_us', count: 'nv_inference_request_success', toMs: US }],
    inference: [{ sum: 'nv_inference_compute_infer_duration_us', count: 'nv_inference_request_success', toMs: US }],
  },
};
