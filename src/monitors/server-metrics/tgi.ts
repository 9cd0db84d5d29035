/**
 * TGI `/metrics` (prefix `tgi_`, histograms in seconds without a unit suffix). Source: TGI
 * docs/source/reference/metrics.md @db931fcf (protocols.md §6.7). TGI has no token counters, but the `_sum` of its
 * per-request length histograms is exactly the tokens seen; `tgi_batch_current_size` is the running batch.
 */
import { S, type ServerMetricTable } from './types.js';

export const TGI_METRICS: ServerMetricTable = {
  server: 'tgi',
  gauges: {
    requests_running: [{ name: 'tgi_batch_current_size' }],
    requests_waiting: [{ name: 'tgi_queue_size' }],
    decode_batch_size: [{ name: 'tgi_batch_current_size' }],
  },
  counters: {
    prompt_tokens: [{ histogramSum: 'tgi_request_input_length' }],
    generation_tokens: [{ histogramSum: 'tgi_request_generated_tokens' }],
    requests_finished: [{ name: 'tgi_request_success' }],
  },
  timings: {
    e2e: [{ histogram: 'tgi_request_duration', toMs: S }],
    queue: [{ histogram: 'tgi_request_queue_duration', toMs: S }],
    inference: [{ histogram: 'tgi_request_inference_duration', toMs: S }],
    itl: [{ histogram: 'tgi_request_mean_time_per_token_duration', toMs: S }],
  },
};
