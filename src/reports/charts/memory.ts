/**
 * Memory over time from the monitors' telemetry (`scenarios[].telemetry`, src/monitors): a report whose
 * `series` holds points `{ t_ms, device, memory_used_bytes, ... }` on the run clock. A bare array of such
 * points, or `{ samples: [...] }`, is read the same way. Every numeric `*_bytes` field becomes a line, in MiB,
 * per device when the points name one.
 */
import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, isNum, round, SCHEMA_URL, seriesLabel, thin, type ChartDef, type RunInput } from './common.js';
import { type ScenarioResult } from '../../core/result.js';

const MIB = 1024 * 1024;
export const MEMORY_MAX_POINTS = 500;

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function telemetrySamples(s: ScenarioResult): Array<Record<string, unknown>> {
  const t = s.telemetry as unknown;
  const o = obj(t);
  const list = Array.isArray(t) ? t : Array.isArray(o.series) ? o.series : Array.isArray(o.samples) ? o.samples : [];
  return list.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && isNum((x as Record<string, unknown>).t_ms));
}

/**
 * Peak accelerator memory of a scenario, bytes: the engine's own figure when it has one, else the telemetry
 * summary (all devices), else null.
 */
export function peakVramBytes(s: ScenarioResult): number | null {
  const m = obj(s.memory);
  for (const v of [m.vram_peak_bytes, m.engine_vram_bytes, obj(obj(s.telemetry).summary).memory_used_peak_bytes]) if (isNum(v)) return v;
  return null;
}

export function peakRssBytes(s: ScenarioResult): number | null {
  const v = obj(s.memory).peak_rss_bytes;
  return isNum(v) ? v : null;
}

export function kvCacheBytes(s: ScenarioResult): number | null {
  const v = obj(s.memory).kv_cache_bytes;
  return isNum(v) ? v : null;
}

export function memoryChart(runs: RunInput[]): ChartDef {
  const title = 'Memory over time';
  const multi = runs.length > 1;
  const values: Array<{ series: string; t: number; mib: number }> = [];
  for (const run of runs) {
    for (const s of run.result.scenarios) {
      for (const smp of thin(telemetrySamples(s), MEMORY_MAX_POINTS)) {
        const device = typeof smp.device === 'string' || typeof smp.device === 'number' ? ` · device ${smp.device}` : '';
        for (const [k, v] of Object.entries(smp)) {
          if (!k.endsWith('_bytes') || !isNum(v)) continue;
          values.push({ series: `${seriesLabel(run.result, s, multi)}${device} · ${k.replace(/_bytes$/, '')}`, t: round((smp.t_ms as number) / 1000, 6), mib: round(v / MIB, 3) });
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
      x: { field: 't', type: 'quantitative', title: 'time since run start (s)' },
      y: { field: 'mib', type: 'quantitative', title: 'MiB' },
      color: { field: 'series', type: 'nominal', title: 'series' },
    },
  } as unknown as TopLevelSpec;
  return { name: 'memory', title, spec };
}
