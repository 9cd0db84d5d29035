/**
 * The shape of results.json (schema "llmbench.result/v1", published as docs/results.schema.json).
 * Summaries are derived from requests.jsonl by src/metrics; nothing here is measured directly.
 */
import { type TargetInfo } from './target-info.js';

export const RESULT_SCHEMA = 'llmbench.result/v1';
export const METRICS_SPEC_VERSION = '1.0';

/** Summary of one metric. Every field is null when it cannot be computed (n = 0, or std with n = 0). */
export interface Distribution {
  mean: number | null;
  min: number | null;
  max: number | null;
  std: number | null;
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p99: number | null;
  n: number;
  /** Extra percentiles asked for with --percentiles, e.g. p95, p99.9 → "p99.9". */
  [extra: `p${string}`]: number | null;
}

export interface ScenarioSummary {
  requests_total: number;
  requests_ok: number;
  requests_failed: number;
  /** requests_failed / requests_total; null when there were no requests. */
  error_rate: number | null;
  duration_s: number | null;
  request_throughput: number | null;
  output_token_throughput: number | null;
  total_token_throughput: number | null;
  input_token_throughput: number | null;
  output_tokens_per_client: number | null;
  mean_concurrency: number | null;
  max_concurrency: number | null;
  goodput: number | null;
  good_requests: number | null;
  peak_output_token_throughput: number | null;
  /** The measurement window on the run clock, ms: [first counted send, last counted end], or --measure-window's bounds. */
  window_ms?: [number, number] | null;
  /** Quality (issue: GSM8K / perplexity). */
  accuracy?: number | null;
  accuracy_ci95?: [number, number] | null;
  perplexity?: number | null;
  [extra: string]: unknown;
}

export interface TokenCheck {
  /** Requests asked for an exact length. */
  requested: number;
  /** Requests whose output came up short of the requested length. */
  short: number;
  /** Indices (repeat:index) of the short requests, every one of them. */
  short_requests: Array<{ repeat: number; index: number; requested: number; usage: number | null; chunks: number; tokenizer: number | null }>;
  /** Requests where usage-reported and chunk counts disagree. */
  usage_chunk_mismatch: number;
  /** Whether the target was asked to force the length (false: the server can't, or rejected the field). */
  length_forced: boolean | null;
  output_token_sources: Record<string, number>;
  input_token_sources: Record<string, number>;
}

export interface ScenarioResult {
  id: string;
  /** The dimensions that define this scenario (input_tokens, output_tokens, concurrency, model, threads, ...). */
  dims: Record<string, string | number | boolean | null>;
  workload: Record<string, unknown>;
  load: Record<string, unknown>;
  target?: TargetInfo | null;
  status: 'ok' | 'failed' | 'interrupted';
  error?: { code: string; message: string } | null;
  summary: ScenarioSummary;
  metrics: Record<string, Distribution>;
  slo_p90_decode_ms: number | null;
  lpct_ms: number | null;
  token_check: TokenCheck;
  repeats?: Array<{ repeat: number; summary: ScenarioSummary; metrics: Record<string, Distribution> }>;
  /** Spread of each repeat-level summary value across repeats (mean, std, cv, min, max). */
  repeat_spread?: Record<string, { mean: number | null; std: number | null; cv: number | null; min: number | null; max: number | null; n: number }>;
  warnings: Warning[];
  [extra: string]: unknown;
}

export interface Warning {
  code: string;
  message: string;
  hint?: string;
}

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  metrics_spec: string;
  tool: { name: 'llmbench'; version: string };
  run_id: string;
  name: string;
  started_at: string;
  finished_at: string | null;
  interrupted: boolean;
  config: Record<string, unknown>;
  environment: Record<string, unknown>;
  target: TargetInfo | null;
  scenarios: ScenarioResult[];
  /** llmbench's own overhead: event-loop delay, CPU; see docs/metrics.md "Client overhead". */
  client?: Record<string, unknown>;
  warnings: Warning[];
  [extra: string]: unknown;
}
