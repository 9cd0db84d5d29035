/**
 * Memory over time from the monitors' telemetry (`scenarios[].telemetry`). The samplers (src/monitors) write
 * `{ samples: [{ t_ms, <name>_bytes, ... }] }` (or a bare array of samples); every numeric `*_bytes` field
 * becomes one line, in MiB.
 */
import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, isNum, round, SCHEMA_URL, seriesLabel, thin, type ChartDef, type RunInput } from './common.js';
import { type ScenarioResult } from '../../core/result.js';

const MIB = 1024 * 1024;
export const MEMORY_MAX_POINTS = 500;

export function telemetrySamples(s: ScenarioResult): Array<Record<string, unknown>> {
  const t = s.telemetry as unknown;
  const list = Array.isArray(t) ? t : t && typeof t === 'object' && Array.isArray((t as { samples?: unknown }).samples) ? (t as { samples: unknown[] }).samples : [];
  return list.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && isNum((x as Record<string, unknown>).t_ms));
}

export function memoryChart(runs: RunInput[]): ChartDef {
  const title = 'Memory over time';
  const multi = runs.length > 1;
  const values: Array<{ series: string; t: number; mib: number }> = [];
  for (const run of runs) {
    for (const s of run.result.scenarios) {
      for (const smp of thin(telemetrySamples(s), MEMORY_MAX_POINTS)) {
        for (const [k, v] of Object.entries(smp)) {
          if (!k.endsWith('_bytes') || !isNum(v)) continue;
          values.push({ series: `${seriesLabel(run.result, s, multi)} · ${k.replace(/_bytes$/, '')}`, t: round((smp.t_ms as number) / 1000, 6), mib: round(v / MIB, 3) });
        }
      }
    }
  }
  if (values.length === 0) return { name: 'memory', title, spec: null, absent: 'no memory telemetry in this run' };
  const spec = {
    $schema: SCHEMA_URL,
    title,
    config: baseConfig(),
    width: 700,
    height: 220,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'time since scenario start (s)' },
      y: { field: 'mib', type: 'quantitative', title: 'MiB' },
      color: { field: 'series', type: 'nominal', title: 'series' },
    },
  } as unknown as TopLevelSpec;
  return { name: 'memory', title, spec };
}
