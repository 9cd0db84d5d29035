/**
 * Latency distributions as empirical CDFs (TTFT, TPOT, ITL side by side), one line per scenario/run.
 * Built from the raw records (requests.jsonl), not from the summary percentiles, so the whole shape shows.
 */
import type { TopLevelSpec } from 'vega-lite';
import { absentPanel, baseConfig, round, SCHEMA_URL, seriesLabel, thin, type ChartDef, type RunInput } from './common.js';
import { type RequestRecord } from '../../core/record.js';
import { interTokenGaps } from '../../metrics/derive.js';

/** Points kept per CDF line; more adds nothing visible and bloats the SVG. */
export const CDF_MAX_POINTS = 400;

const METRICS: ReadonlyArray<readonly [string, string, (r: RequestRecord) => number[]]> = [
  ['TTFT', 'TTFT (ms)', (r) => (r.ttft_ms === null ? [] : [r.ttft_ms])],
  ['TPOT', 'TPOT (ms)', (r) => (r.tpot_ms === null ? [] : [r.tpot_ms])],
  // ITL: the token-weighted chunk gaps pooled into the table's itl_ms (docs/metrics.md).
  ['ITL', 'ITL (ms)', (r) => interTokenGaps(r.chunk_times, r.chunk_tokens)],
];

export function measuredRecords(records: RequestRecord[]): RequestRecord[] {
  return records.filter((r) => !r.warmup && r.status === 'ok');
}

export function cdfPoints(values: number[]): Array<{ value: number; p: number }> {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const pts = sorted.map((v, i) => ({ value: round(v), p: round((i + 1) / sorted.length, 6) }));
  // The step starts at 0 on the smallest value, so a single-valued series still draws its riser.
  return [{ value: round(sorted[0]!), p: 0 }, ...thin(pts, CDF_MAX_POINTS)];
}

export function latencyCdfChart(runs: RunInput[]): ChartDef {
  const multi = runs.length > 1;
  const title = 'Latency distributions (CDF)';
  if (runs.every((r) => r.records.length === 0)) return { name: 'latency-cdf', title, spec: null, absent: 'no request records (requests.jsonl) to draw distributions from' };
  const order: string[] = [];
  const panels = METRICS.map(([key, axis, get]) => {
    const values: Array<{ series: string; value: number; p: number }> = [];
    for (const run of runs) {
      const byScenario = new Map<string, number[]>();
      for (const rec of measuredRecords(run.records)) {
        const list = byScenario.get(rec.scenario_id) ?? [];
        list.push(...get(rec));
        byScenario.set(rec.scenario_id, list);
      }
      for (const s of run.result.scenarios) {
        const series = seriesLabel(run.result, s, multi);
        if (!order.includes(series)) order.push(series);
        for (const pt of cdfPoints(byScenario.get(s.id) ?? [])) values.push({ series, ...pt });
      }
    }
    if (values.length === 0) return absentPanel(key, `${key} not measured`, 280, 220);
    return {
      title: key,
      width: 280,
      height: 220,
      data: { values },
      mark: { type: 'line', interpolate: 'step-after', point: false },
      encoding: {
        x: { field: 'value', type: 'quantitative', title: axis, scale: { zero: false } },
        y: { field: 'p', type: 'quantitative', title: 'cumulative fraction', scale: { domain: [0, 1] } },
        color: { field: 'series', type: 'nominal', title: 'scenario', sort: order },
      },
    };
  });
  const spec = { $schema: SCHEMA_URL, title, config: baseConfig(), hconcat: panels, resolve: { scale: { color: 'shared' } } } as unknown as TopLevelSpec;
  return { name: 'latency-cdf', title, spec };
}
