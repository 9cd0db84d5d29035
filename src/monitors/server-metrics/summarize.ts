/**
 * From the scrapes taken during one scenario to a summary and a time series, using one server's table.
 * Pure: no I/O. Counters and histograms are cumulative since server start, so every figure is a difference
 * between scrapes inside the scenario window (a counter that goes down is a server restart: the increase is
 * counted from zero again, as PromQL's increase() does).
 */
import { maxOf, mean } from '../../metrics/stats.js';
import { histogram, histogramDelta, histogramQuantile, sumSamples, type HistogramValue, type LabelFilter, type PromScrape } from '../prometheus.js';
import { type CounterKey, type CounterSource, type GaugeKey, type GaugeSource, type ServerMetricTable, type TimingKey, type TimingSource } from './types.js';

export interface TimedScrape {
  t_ms: number;
  scrape: PromScrape;
}

export interface ServerMetricsSummary {
  summary: Record<string, number | null>;
  series: Array<Record<string, number | null> & { t_ms: number }>;
  /** Which Prometheus name each canonical key was read from (for docs and debugging). */
  sources: Record<string, string>;
}

const GAUGE_KEYS: GaugeKey[] = ['requests_running', 'requests_waiting', 'kv_cache_usage', 'prefix_cache_hit_rate_gauge', 'decode_batch_size', 'prefill_batch_size'];
const COUNTER_KEYS: CounterKey[] = ['prefix_cache_hits', 'prefix_cache_queries', 'prompt_tokens', 'generation_tokens', 'requests_finished', 'preemptions', 'spec_accepted_tokens', 'spec_draft_tokens'];
const TIMING_KEYS: TimingKey[] = ['ttft', 'queue', 'prefill', 'decode', 'inference', 'itl', 'tpot', 'e2e', 'prefill_per_token', 'decode_per_token'];

function withModel(filter: LabelFilter | undefined, modelFilter: LabelFilter | undefined): LabelFilter | undefined {
  return modelFilter ? { ...modelFilter, ...filter } : filter;
}

function gaugeValue(s: PromScrape, src: GaugeSource, mf?: LabelFilter): number | null {
  const v = sumSamples(s, src.name, withModel(src.filter, mf));
  return v === null ? null : v * (src.scale ?? 1);
}

function counterValue(s: PromScrape, src: CounterSource, mf?: LabelFilter): number | null {
  return 'name' in src ? sumSamples(s, src.name, withModel(src.filter, mf)) : sumSamples(s, `${src.histogramSum}_sum`, withModel(src.filter, mf));
}

function timingValue(s: PromScrape, src: TimingSource, mf?: LabelFilter): HistogramValue | null {
  if ('histogram' in src) return histogram(s, src.histogram, withModel(src.filter, mf));
  const sum = sumSamples(s, src.sum, withModel(src.filter, mf));
  const count = sumSamples(s, src.count, withModel(src.filter, mf));
  return sum === null || count === null ? null : { sum, count, buckets: [] };
}

function sourceName(src: GaugeSource | CounterSource | TimingSource): string {
  const f = src.filter ? `{${Object.entries(src.filter).map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
  if ('name' in src) return src.name + f;
  if ('histogramSum' in src) return `${src.histogramSum}_sum${f}`;
  if ('histogram' in src) return src.histogram + f;
  return `${src.sum}/${src.count}${f}`;
}

/** The first candidate with a value in any scrape (checked from the last scrape back), or null. */
function pick<T>(cands: T[] | undefined, scrapes: TimedScrape[], read: (s: PromScrape, c: T) => unknown): T | null {
  for (const c of cands ?? []) {
    for (let i = scrapes.length - 1; i >= 0; i--) if (read(scrapes[i]!.scrape, c) !== null) return c;
  }
  return null;
}

/**
 * Increase of a counter from the first reading up to each reading, tolerating resets and missing readings:
 * element i is the increase over values[0..i] (null until the first reading).
 */
function runningIncrease(values: Array<number | null>): Array<number | null> {
  let prev: number | null = null;
  let total: number | null = null;
  return values.map((v) => {
    if (v !== null) {
      if (prev !== null) total = (total ?? 0) + (v >= prev ? v - prev : v);
      else total = total ?? 0;
      prev = v;
    }
    return total;
  });
}

/** Increase of a counter over a sequence of readings, tolerating resets and missing readings. */
export function counterIncrease(values: Array<number | null>): number | null {
  return runningIncrease(values).at(-1) ?? null;
}

function meanMax(values: Array<number | null>): [number | null, number | null] {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return [mean(xs), maxOf(xs)];
}

/**
 * Model filter for tables with a per-model label: used only when some sample carries that label with this value
 * (Triton's `model="ensemble"`); otherwise every model's samples are summed.
 */
function modelFilterFor(table: ServerMetricTable, model: string | null, scrapes: TimedScrape[]): LabelFilter | undefined {
  if (!table.modelLabel || !model) return undefined;
  const label = table.modelLabel;
  const present = scrapes.some((t) => t.scrape.samples.some((s) => s.labels[label] === model));
  return present ? { [label]: model } : undefined;
}

export function summarizeServerMetrics(table: ServerMetricTable, scrapes: TimedScrape[], model: string | null = null): ServerMetricsSummary {
  const summary: Record<string, number | null> = {};
  const sources: Record<string, string> = {};
  const mf = modelFilterFor(table, model, scrapes);
  const series = scrapes.map((t) => ({ t_ms: t.t_ms }) as Record<string, number | null> & { t_ms: number });

  for (const key of GAUGE_KEYS) {
    const src = pick(table.gauges[key], scrapes, (s, c) => gaugeValue(s, c, mf));
    const values = scrapes.map((t) => (src ? gaugeValue(t.scrape, src, mf) : null));
    const [avg, peak] = meanMax(values);
    summary[`${key}_mean`] = avg;
    summary[`${key}_max`] = peak;
    if (src) {
      sources[key] = sourceName(src);
      values.forEach((v, i) => (series[i]![key] = v));
    }
  }

  for (const key of COUNTER_KEYS) {
    const src = pick(table.counters[key], scrapes, (s, c) => counterValue(s, c, mf));
    if (!src) {
      summary[key] = null;
      continue;
    }
    const raw = scrapes.map((t) => counterValue(t.scrape, src, mf));
    const running = runningIncrease(raw);
    summary[key] = running.at(-1) ?? null;
    // The prefix-cache counters' raw values at the first and last scrape: cache_state's before/after.
    if (key === 'prefix_cache_hits' || key === 'prefix_cache_queries') {
      summary[`${key}_start`] = raw.find((x) => x !== null) ?? null;
      summary[`${key}_end`] = [...raw].reverse().find((x) => x !== null) ?? null;
    }
    sources[key] = sourceName(src);
    // Series: the increase since the scenario started, so the lines start at 0.
    running.forEach((v, i) => (series[i]![key] = v));
  }

  for (const key of TIMING_KEYS) {
    const src = pick(table.timings[key], scrapes, (s, c) => timingValue(s, c, mf));
    const values = scrapes.map((t) => (src ? timingValue(t.scrape, src, mf) : null));
    const toMs = src?.toMs ?? 1;
    const first = values.find((v) => v !== null) ?? null;
    const last = [...values].reverse().find((v) => v !== null) ?? null;
    const d = first && last && first !== last ? histogramDelta(first, last) : null;
    const ok = d !== null && d.count > 0;
    summary[`server_${key}_mean_ms`] = ok ? (d.sum / d.count) * toMs : null;
    summary[`server_${key}_count`] = d ? d.count : null;
    for (const q of [50, 90, 99]) {
      const v = ok && d.buckets.length ? histogramQuantile(q / 100, d.buckets) : null;
      summary[`server_${key}_p${q}_ms`] = v === null ? null : v * toMs;
    }
    if (src) {
      sources[key] = sourceName(src);
      // Series: mean over each scrape interval (null where nothing finished in it).
      for (let i = 1; i < values.length; i++) {
        const iv = histogramDelta(values[i - 1] ?? null, values[i] ?? null);
        series[i]![`server_${key}_ms`] = iv && iv.count > 0 && values[i - 1] ? (iv.sum / iv.count) * toMs : null;
      }
    }
  }

  const hits = summary.prefix_cache_hits ?? null;
  const queries = summary.prefix_cache_queries ?? null;
  summary.prefix_cache_hit_rate = hits !== null && queries !== null && queries > 0 ? hits / queries : summary.prefix_cache_hit_rate_gauge_mean ?? null;
  const acc = summary.spec_accepted_tokens ?? null;
  const draft = summary.spec_draft_tokens ?? null;
  summary.spec_decode_acceptance_rate = acc !== null && draft !== null && draft > 0 ? acc / draft : null;
  return { summary, series, sources };
}
