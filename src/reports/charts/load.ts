/**
 * Output throughput and latency against the load (concurrency or request rate), drawn when a run swept
 * several load points. Scenarios that differ in anything else (input length, model, ...) become separate lines.
 */
import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, isNum, runLabel, SCHEMA_URL, type ChartDef, type RunInput } from './common.js';
import { type ScenarioResult } from '../../core/result.js';

const LOAD_DIMS = ['concurrency', 'rate'] as const;

/** The load dimension a set of scenarios varies: the first of concurrency/rate with two or more numeric values. */
export function loadDimension(scenarios: ScenarioResult[]): (typeof LOAD_DIMS)[number] | null {
  for (const d of LOAD_DIMS) {
    const vals = new Set(scenarios.map((s) => s.dims?.[d]).filter(isNum));
    if (vals.size >= 2) return d;
  }
  return null;
}

/** The dimensions (other than the load) whose values differ between scenarios: they tell the lines apart. */
function varyingDims(scenarios: ScenarioResult[], dim: string): string[] {
  const keys = [...new Set(scenarios.flatMap((s) => Object.keys(s.dims ?? {})))].filter((k) => k !== dim && k !== 'concurrency' && k !== 'rate');
  return keys.filter((k) => new Set(scenarios.map((s) => JSON.stringify(s.dims?.[k] ?? null))).size > 1);
}

function lineKey(s: ScenarioResult, keys: string[]): string {
  return keys.map((k) => `${k}=${s.dims?.[k] ?? 'n/a'}`).join(' ');
}

export function loadCurveChart(runs: RunInput[]): ChartDef {
  const title = 'Throughput and latency vs load';
  const all = runs.flatMap((r) => r.result.scenarios);
  const dim = loadDimension(all);
  if (!dim) return { name: 'load-curves', title, spec: null, absent: 'only one load point (concurrency or rate) in this run' };
  const multi = runs.length > 1;
  const keys = varyingDims(all, dim);
  const order: string[] = [];
  const values: Array<Record<string, unknown>> = [];
  for (const run of runs) {
    for (const s of run.result.scenarios) {
      const x = s.dims?.[dim];
      if (!isNum(x)) continue;
      const key = lineKey(s, keys);
      const series = multi ? `${runLabel(run.result)}${key ? ` · ${key}` : ''}` : key || runLabel(run.result);
      if (!order.includes(series)) order.push(series);
      const add = (panel: string, v: unknown) => {
        if (isNum(v)) values.push({ series, load: x, panel, value: v });
      };
      add('output tokens/s', s.summary.output_token_throughput);
      add('TTFT p50 (ms)', s.metrics?.ttft_ms?.p50);
      add('TPOT p50 (ms)', s.metrics?.tpot_ms?.p50);
      add('E2E p50 (ms)', s.metrics?.e2e_ms?.p50);
    }
  }
  const xTitle = dim === 'rate' ? 'request rate (req/s)' : 'concurrency';
  const panel = (name: string) => ({
    title: name,
    width: 220,
    height: 200,
    transform: [{ filter: { field: 'panel', equal: name } }],
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'load', type: 'quantitative', title: xTitle, ...(dim === 'concurrency' ? { axis: { tickMinStep: 1 } } : {}) },
      y: { field: 'value', type: 'quantitative', title: name },
      color: { field: 'series', type: 'nominal', title: 'scenarios', sort: order },
    },
  });
  const spec = {
    $schema: SCHEMA_URL,
    title,
    config: baseConfig(),
    data: { values },
    hconcat: ['output tokens/s', 'TTFT p50 (ms)', 'TPOT p50 (ms)', 'E2E p50 (ms)'].map(panel),
  } as unknown as TopLevelSpec;
  return { name: 'load-curves', title, spec };
}
