/**
 * Per-request timeline (when each request was scheduled, sent, got its first token and ended) and output
 * tokens/s over the run. Times are the records' run-relative milliseconds, shown in seconds.
 */
import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, round, SCHEMA_URL, seriesLabel, type ChartDef, type RunInput } from './common.js';

/** Requests drawn on one timeline; beyond that the chart shows the first ones and its title says so. */
export const TIMELINE_MAX_REQUESTS = 300;
/** Buckets of each scenario's tokens/s line. */
export const RATE_BUCKETS = 30;
const EVENTS = ['scheduled', 'sent', 'first token', 'end'];

export function timelineChart(run: RunInput): ChartDef {
  const title = 'Request timeline';
  const recs = run.records.filter((r) => !r.warmup).slice().sort((a, b) => a.scheduled_at - b.scheduled_at || a.index - b.index);
  if (recs.length === 0) return { name: 'timeline', title, spec: null, absent: 'no request records (requests.jsonl)' };
  const shown = recs.slice(0, TIMELINE_MAX_REQUESTS);
  const s = (v: number | null) => (v === null ? null : round(v / 1000, 6));
  const spans = shown.map((r, i) => ({ req: i + 1, scenario: r.scenario_id, status: r.status, start: s(r.sent_at ?? r.scheduled_at), first: s(r.first_token_at), end: s(r.ended_at ?? r.first_token_at ?? r.sent_at ?? r.scheduled_at) }));
  const events = shown.flatMap((r, i) => (
    [['scheduled', r.scheduled_at], ['sent', r.sent_at], ['first token', r.first_token_at], ['end', r.ended_at]] as const
  ).flatMap(([event, t]) => (t === null ? [] : [{ req: i + 1, event, t: s(t) }])));
  const fullTitle = recs.length > shown.length ? `${title} (first ${shown.length} of ${recs.length} requests)` : title;
  const height = Math.min(600, Math.max(120, shown.length * 6));
  const spec = {
    $schema: SCHEMA_URL,
    title: fullTitle,
    config: baseConfig(),
    width: 700,
    height,
    layer: [
      {
        data: { values: spans },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: {
          y: { field: 'req', type: 'quantitative', title: 'request (in schedule order)', scale: { reverse: true } },
          x: { field: 'start', type: 'quantitative', title: 'time since run start (s)' },
          x2: { field: 'end' },
          color: { field: 'scenario', type: 'nominal', title: 'scenario' },
          strokeDash: { condition: { test: "datum.status !== 'ok'", value: [3, 2] }, value: [1, 0] },
        },
      },
      {
        data: { values: events },
        mark: { type: 'point', filled: true, size: 40, opacity: 1 },
        encoding: {
          y: { field: 'req', type: 'quantitative' },
          x: { field: 't', type: 'quantitative' },
          color: { field: 'event', type: 'nominal', title: 'event', scale: { domain: EVENTS, range: ['#bbbbbb', '#333333', '#e45756', '#54a24b'] } },
          shape: { field: 'event', type: 'nominal', title: 'event', scale: { domain: EVENTS, range: ['circle', 'square', 'triangle-right', 'diamond'] } },
        },
      },
    ],
    resolve: { scale: { color: 'independent', shape: 'independent' } },
  } as unknown as TopLevelSpec;
  return { name: 'timeline', title: fullTitle, spec };
}

/**
 * Output tokens per second in equal time buckets over each scenario's own span (first send to last token), so
 * a scenario is not drawn at 0 tok/s while another one runs. Tokens per chunk where known, else 1.
 */
export function tokenRateSeries(run: RunInput, buckets = RATE_BUCKETS): Array<{ series: string; t: number; tokens_per_s: number }> {
  const recs = run.records.filter((r) => !r.warmup && r.chunk_times.length > 0);
  const out: Array<{ series: string; t: number; tokens_per_s: number }> = [];
  for (const id of [...new Set(recs.map((r) => r.scenario_id))]) {
    const mine = recs.filter((x) => x.scenario_id === id);
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const r of mine) {
      t0 = Math.min(t0, r.sent_at ?? r.chunk_times[0]!);
      t1 = Math.max(t1, r.chunk_times[r.chunk_times.length - 1]!);
    }
    const width = Math.max((t1 - t0) / buckets, 1e-3);
    const counts = new Array<number>(buckets).fill(0);
    for (const r of mine) {
      r.chunk_times.forEach((t, i) => {
        const b = Math.min(buckets - 1, Math.floor((t - t0) / width));
        counts[b]! += r.chunk_tokens?.[i] ?? 1;
      });
    }
    const series = seriesLabel(run.result, id, false);
    counts.forEach((c, b) => out.push({ series, t: round((t0 + (b + 0.5) * width) / 1000, 6), tokens_per_s: round(c / (width / 1000), 3) }));
  }
  return out;
}

export function tokenRateChart(run: RunInput): ChartDef {
  const title = 'Output tokens/s over time';
  const values = tokenRateSeries(run);
  if (values.length === 0) return { name: 'tokens-over-time', title, spec: null, absent: 'no streamed tokens in the request records' };
  const spec = {
    $schema: SCHEMA_URL,
    title,
    config: baseConfig(),
    width: 700,
    height: 220,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'time since run start (s)' },
      y: { field: 'tokens_per_s', type: 'quantitative', title: 'output tokens/s' },
      color: { field: 'series', type: 'nominal', title: 'scenario' },
    },
  } as unknown as TopLevelSpec;
  return { name: 'tokens-over-time', title, spec };
}
