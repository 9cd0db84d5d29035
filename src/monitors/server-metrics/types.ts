/**
 * Canonical server-side series. Every server's Prometheus names map onto these, so results.json carries the
 * same keys whichever server ran. Times are converted to ms, ratios stay 0..1.
 */
import { type LabelFilter } from '../prometheus.js';

/** Sampled instantaneous values: summarised as mean and max over the scenario. */
export type GaugeKey =
  | 'requests_running'
  | 'requests_waiting'
  | 'kv_cache_usage'
  /** A server-computed hit rate (SGLang, LMDeploy, MindIE, trtllm); used only when no hit/query counters exist. */
  | 'prefix_cache_hit_rate_gauge'
  | 'decode_batch_size'
  | 'prefill_batch_size';

/** Monotonic counters: summarised as the increase over the scenario. */
export type CounterKey =
  | 'prefix_cache_hits'
  | 'prefix_cache_queries'
  | 'prompt_tokens'
  | 'generation_tokens'
  | 'requests_finished'
  | 'preemptions'
  | 'spec_accepted_tokens'
  | 'spec_draft_tokens';

/** Per-request (or per-token) durations: summarised as Δsum/Δcount, and quantiles where buckets exist. */
export type TimingKey = 'ttft' | 'queue' | 'prefill' | 'decode' | 'inference' | 'itl' | 'tpot' | 'e2e' | 'prefill_per_token' | 'decode_per_token';

export type GaugeSource = { name: string; filter?: LabelFilter; scale?: number };
/** `histogram_sum`: the `_sum` of a histogram counts (TGI `tgi_request_input_length_sum` = prompt tokens). */
export type CounterSource = { name: string; filter?: LabelFilter } | { histogramSum: string; filter?: LabelFilter };
/**
 * A histogram (`name_bucket/_sum/_count`) or a pair of counters (Triton's cumulative µs durations divided by the
 * success counter); `toMs` converts the server's unit to ms.
 */
export type TimingSource =
  | { histogram: string; toMs: number; filter?: LabelFilter }
  | { sum: string; count: string; toMs: number; filter?: LabelFilter };

export interface ServerMetricTable {
  server: string;
  /** Candidates in order of preference: the first one present in a scrape wins (new names before renamed old ones). */
  gauges: Partial<Record<GaugeKey, GaugeSource[]>>;
  counters: Partial<Record<CounterKey, CounterSource[]>>;
  timings: Partial<Record<TimingKey, TimingSource[]>>;
  /**
   * Label that names the model on per-model metrics (Triton `model`): samples are restricted to the target model
   * where it matches, so the ensemble's sub-models are not counted twice.
   */
  modelLabel?: string;
}

export const S = 1000; // seconds → ms
