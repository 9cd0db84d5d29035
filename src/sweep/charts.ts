/**
 * Sweep charts (vega-lite specs, pure): output throughput against TTFT and TPOT for every point (one line per
 * point through its measured loads), and the Pareto front of tokens/s per user against output tokens/s per device.
 */
import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, isNum, SCHEMA_URL, type ChartDef } from '../reports/charts/common.js';
import { type CellResult, cellsOf, pointLabel, type PointResult, type SweepResult, workloadLabel } from './result.js';

function label(p: PointResult, c: CellResult, multiCell: boolean): string {
  return `${p.index}: ${pointLabel(p)}${multiCell ? ` · ${workloadLabel(c.workload)}` : ''}`;
}

export function throughputLatencyChart(r: SweepResult): ChartDef {
  const title = 'Output throughput vs latency, per point';
  const values: Array<Record<string, unknown>> = [];
  const multi = r.points.some((p) => p.cells);
  for (const p of r.points) {
    for (const c of cellsOf(p)) {
      for (const l of c.loads) {
        const x = l.summary?.output_token_throughput;
        if (!isNum(x)) continue;
        const series = label(p, c, multi);
        if (isNum(l.metrics.ttft_ms?.p50)) values.push({ series, load: l.load, x, panel: 'TTFT p50 (ms)', y: l.metrics.ttft_ms!.p50 });
        if (isNum(l.metrics.tpot_ms?.p50)) values.push({ series, load: l.load, x, panel: 'TPOT p50 (ms)', y: l.metrics.tpot_ms!.p50 });
      }
    }
  }
  if (!values.length) return { name: 'sweep-throughput-latency', title, spec: null, absent: 'no load was measured' };
  const panel = (name: string) => ({
    title: name,
    width: 300,
    height: 220,
    transform: [{ filter: { field: 'panel', equal: name } }],
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'output tokens/s' },
      y: { field: 'y', type: 'quantitative', title: name },
      order: { field: 'load', type: 'quantitative' },
      color: { field: 'series', type: 'nominal', title: 'point' },
      tooltip: [{ field: 'series' }, { field: 'load' }, { field: 'x' }, { field: 'y' }],
    },
  });
  const spec = { $schema: SCHEMA_URL, title, config: baseConfig(), data: { values }, hconcat: ['TTFT p50 (ms)', 'TPOT p50 (ms)'].map(panel) } as unknown as TopLevelSpec;
  return { name: 'sweep-throughput-latency', title, spec };
}

/** Points not dominated by another (higher or equal on both axes, higher on one), ordered along x. */
export function paretoFront<T extends { x: number; y: number }>(pts: readonly T[]): T[] {
  const front = pts.filter((a) => !pts.some((b) => b !== a && b.x >= a.x && b.y >= a.y && (b.x > a.x || b.y > a.y)));
  return [...front].sort((a, b) => a.x - b.x);
}

export function paretoChart(r: SweepResult, devices: number | null): ChartDef {
  const d = devices ?? 1;
  const title = `Tokens/s per user vs output tokens/s per device (${d} device${d === 1 ? '' : 's'})`;
  const multi = r.points.some((p) => p.cells);
  const pts: Array<{ series: string; load: number | null; x: number; y: number; meets: boolean }> = [];
  for (const p of r.points)
    for (const c of cellsOf(p))
      for (const l of c.loads) {
        const x = l.summary?.output_token_throughput;
        const y = l.summary?.output_tokens_per_client;
        if (isNum(x) && isNum(y)) pts.push({ series: label(p, c, multi), load: l.load, x: x / d, y, meets: l.load_meets });
      }
  if (!pts.length) return { name: 'sweep-pareto', title, spec: null, absent: 'no load was measured' };
  const front = paretoFront(pts).map((p, i) => ({ ...p, order: i }));
  const spec = {
    $schema: SCHEMA_URL,
    title,
    config: baseConfig(),
    width: 420,
    height: 300,
    layer: [
      {
        data: { values: pts },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'output tokens/s per device' },
          y: { field: 'y', type: 'quantitative', title: 'output tokens/s per user' },
          color: { field: 'series', type: 'nominal', title: 'point' },
          shape: { field: 'meets', type: 'nominal', title: 'meets SLA' },
        },
      },
      { data: { values: front }, mark: { type: 'line', color: '#333333', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, order: { field: 'order', type: 'quantitative' } } },
    ],
  } as unknown as TopLevelSpec;
  return { name: 'sweep-pareto', title, spec };
}

export function sweepCharts(r: SweepResult, devices: number | null): ChartDef[] {
  return [throughputLatencyChart(r), paretoChart(r, devices)];
}
