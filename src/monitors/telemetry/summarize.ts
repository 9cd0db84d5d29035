/**
 * Per-device and total summaries of telemetry samples over one scenario. Pure.
 * Energy: the source's cumulative counter when it has one (DCGM total energy), else the trapezoid integral of
 * power over the sample times (W × s = J). Memory above idle = peak − the reading taken before the run started.
 */
import { maxOf, mean } from '../../metrics/stats.js';
import { type DeviceSample } from './types.js';

export interface TimedDevices {
  t_ms: number;
  devices: DeviceSample[];
}

export interface DeviceSummary {
  id: string;
  name: string | null;
  samples: number;
  memory_total_bytes: number | null;
  memory_idle_bytes: number | null;
  memory_used_peak_bytes: number | null;
  memory_used_mean_bytes: number | null;
  memory_above_idle_peak_bytes: number | null;
  utilization_mean_pct: number | null;
  utilization_max_pct: number | null;
  power_mean_w: number | null;
  power_max_w: number | null;
  energy_j: number | null;
}

function nums(xs: Array<number | null | undefined>): number[] {
  return xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** ∫ power dt over consecutive samples that both have power, J; null with fewer than two such samples. */
export function integrateEnergyJ(points: Array<{ t_ms: number; power_w: number | null }>): number | null {
  const p = points.filter((x) => x.power_w !== null) as Array<{ t_ms: number; power_w: number }>;
  if (p.length < 2) return null;
  let j = 0;
  for (let i = 1; i < p.length; i++) j += ((p[i]!.power_w + p[i - 1]!.power_w) / 2) * ((p[i]!.t_ms - p[i - 1]!.t_ms) / 1000);
  return j;
}

function summarizeOne(id: string, pts: Array<{ t_ms: number; d: DeviceSample }>, idle: DeviceSample | null): DeviceSummary {
  const mem = nums(pts.map((p) => p.d.memory_used_bytes));
  const peak = maxOf(mem);
  const idleMem = idle?.memory_used_bytes ?? null;
  const energies = nums(pts.map((p) => p.d.energy_j));
  const energyCounter = energies.length >= 2 ? energies[energies.length - 1]! - energies[0]! : null;
  return {
    id,
    name: pts.find((p) => p.d.name)?.d.name ?? idle?.name ?? null,
    samples: pts.length,
    memory_total_bytes: maxOf(nums(pts.map((p) => p.d.memory_total_bytes))),
    memory_idle_bytes: idleMem,
    memory_used_peak_bytes: peak,
    memory_used_mean_bytes: mean(mem),
    memory_above_idle_peak_bytes: peak !== null && idleMem !== null ? peak - idleMem : null,
    utilization_mean_pct: mean(nums(pts.map((p) => p.d.utilization_pct))),
    utilization_max_pct: maxOf(nums(pts.map((p) => p.d.utilization_pct))),
    power_mean_w: mean(nums(pts.map((p) => p.d.power_w))),
    power_max_w: maxOf(nums(pts.map((p) => p.d.power_w))),
    energy_j: energyCounter !== null && energyCounter >= 0 ? energyCounter : integrateEnergyJ(pts.map((p) => ({ t_ms: p.t_ms, power_w: p.d.power_w }))),
  };
}

export interface TelemetrySummary {
  devices: DeviceSummary[];
  summary: Record<string, number | null>;
}

export function summarizeTelemetry(samples: TimedDevices[], idle: DeviceSample[] | null, outputTokens: number | null): TelemetrySummary {
  const ids: string[] = [];
  for (const s of samples) for (const d of s.devices) if (!ids.includes(d.id)) ids.push(d.id);
  const devices = ids.map((id) =>
    summarizeOne(
      id,
      samples.flatMap((s) => s.devices.filter((d) => d.id === id).map((d) => ({ t_ms: s.t_ms, d }))),
      idle?.find((d) => d.id === id) ?? null,
    ),
  );
  // Totals: sum across devices at each sample time, then peak/mean of that (not the sum of per-device peaks).
  const totalAt = (f: (d: DeviceSample) => number | null | undefined) =>
    samples.map((s) => {
      const v = nums(s.devices.map(f));
      return v.length ? v.reduce((a, b) => a + b, 0) : null;
    });
  const memTotals = nums(totalAt((d) => d.memory_used_bytes));
  const idleTotal = idle ? nums(idle.map((d) => d.memory_used_bytes)) : [];
  const peak = maxOf(memTotals);
  const energies = devices.map((d) => d.energy_j);
  const energy = energies.length && energies.every((e) => e !== null) ? nums(energies).reduce((a, b) => a + b, 0) : null;
  const summary: Record<string, number | null> = {
    devices: devices.length,
    memory_used_peak_bytes: peak,
    memory_used_mean_bytes: mean(memTotals),
    memory_idle_bytes: idleTotal.length ? idleTotal.reduce((a, b) => a + b, 0) : null,
    memory_above_idle_peak_bytes: peak !== null && idleTotal.length ? peak - idleTotal.reduce((a, b) => a + b, 0) : null,
    utilization_mean_pct: mean(nums(devices.map((d) => d.utilization_mean_pct))),
    power_mean_w: mean(nums(totalAt((d) => d.power_w))),
    energy_j: energy,
    energy_per_output_token_j: energy !== null && outputTokens ? energy / outputTokens : null,
  };
  return { devices, summary };
}
