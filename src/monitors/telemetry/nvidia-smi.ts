/**
 * nvidia-smi: `--query-gpu=index,uuid,name,memory.used,memory.total,utilization.gpu,power.draw,temperature.gpu
 * --format=csv,noheader,nounits`. Separator is ", "; unsupported fields print `[N/A]` or `[Not Supported]`
 * (GB10 unified memory shows `[N/A]` for memory.*); memory is MiB. Without `nounits` values carry units
 * (`103 MiB`, `5 %`, `12.98 W`), which the parser also strips. Source: protocols.md §10.2.
 */
import { type DeviceSample, MIB } from './types.js';

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,uuid,name,memory.used,memory.total,utilization.gpu,power.draw,temperature.gpu', '--format=csv,noheader,nounits'];

/** A number from one CSV field, or null for `[N/A]`, `N/A`, `[Not Supported]`, `[Unknown Error]`, empty. */
export function smiNumber(field: string | undefined): number | null {
  if (field === undefined) return null;
  const s = field.trim().replace(/\s*(MiB|W|%|C)$/i, '');
  if (s === '' || s.startsWith('[') || /^n\/?a$/i.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

export function parseNvidiaSmi(text: string): DeviceSample[] {
  const out: DeviceSample[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || /^index\b/i.test(t)) continue; // a header line when someone runs it without noheader
    const f = t.split(',').map((x) => x.trim());
    if (f.length < 7) continue;
    const mem = smiNumber(f[3]);
    const total = smiNumber(f[4]);
    out.push({
      id: f[0]!,
      name: f[2] || null,
      memory_used_bytes: mem === null ? null : mem * MIB,
      memory_total_bytes: total === null ? null : total * MIB,
      utilization_pct: smiNumber(f[5]),
      power_w: smiNumber(f[6]),
      temperature_c: smiNumber(f[7]),
    });
  }
  return out;
}
