/**
 * Known Prometheus metric names per server. (Where each server serves them is its target spec's `metrics`, read
 * as `ServerTarget.defaultMetricsUrl`.)
 */
import { type Warning } from '../../core/result.js';
import { LLAMACPP_METRICS } from './llamacpp.js';
import { LMDEPLOY_METRICS } from './lmdeploy.js';
import { MINDIE_METRICS } from './mindie.js';
import { SGLANG_METRICS } from './sglang.js';
import { TGI_METRICS } from './tgi.js';
import { TRITON_METRICS } from './triton.js';
import { TRTLLM_METRICS } from './trtllm.js';
import { type ServerMetricTable } from './types.js';
import { VLLM_METRICS } from './vllm.js';

export { summarizeServerMetrics, counterIncrease, type TimedScrape, type ServerMetricsSummary } from './summarize.js';
export type { ServerMetricTable } from './types.js';

export const SERVER_METRIC_TABLES: Readonly<Record<string, ServerMetricTable>> = {
  vllm: VLLM_METRICS,
  sglang: SGLANG_METRICS,
  tgi: TGI_METRICS,
  llamacpp: LLAMACPP_METRICS,
  lmdeploy: LMDEPLOY_METRICS,
  trtllm: TRTLLM_METRICS,
  triton: TRITON_METRICS,
  mindie: MINDIE_METRICS,
};

/**
 * A table for a server we don't know (`--server openai` with `--metrics-url`): the union of every table, each
 * candidate list in order, so whichever names the server exports are found.
 */
export function mergedTable(): ServerMetricTable {
  const out: ServerMetricTable = { server: 'any', gauges: {}, counters: {}, timings: {} };
  for (const t of Object.values(SERVER_METRIC_TABLES)) {
    if (t.modelLabel) continue; // Triton's per-model sums need the model filter; its names don't clash anyway
    for (const [k, v] of Object.entries(t.gauges)) (out.gauges as Record<string, unknown[]>)[k] = [...((out.gauges as Record<string, unknown[]>)[k] ?? []), ...v];
    for (const [k, v] of Object.entries(t.counters)) (out.counters as Record<string, unknown[]>)[k] = [...((out.counters as Record<string, unknown[]>)[k] ?? []), ...v];
    for (const [k, v] of Object.entries(t.timings)) (out.timings as Record<string, unknown[]>)[k] = [...((out.timings as Record<string, unknown[]>)[k] ?? []), ...v];
  }
  return out;
}

export function metricTableFor(server: string): ServerMetricTable {
  return SERVER_METRIC_TABLES[server] ?? mergedTable();
}

/**
 * A salted ("random") workload should never reuse a cached prefix beyond the chat template; a hit rate above
 * `threshold` means the salt did not work or the cache was not reset, and the prefill timings are optimistic.
 */
export function prefixCacheWarnings(summary: Record<string, number | null>, opts: { salted: boolean; threshold?: number }): Warning[] {
  const rate = summary.prefix_cache_hit_rate ?? null;
  const threshold = opts.threshold ?? 0.1;
  if (!opts.salted || rate === null || rate <= threshold) return [];
  return [
    {
      code: 'prefix_cache_hit_random',
      message: `the server's prefix cache hit ${(rate * 100).toFixed(1)}% of prompt tokens although the prompts were random (salted)`,
      hint: 'prefill timings are optimistic: let llmbench reset the cache between scenarios (drop --no-cache-reset), or restart the server',
    },
  ];
}
