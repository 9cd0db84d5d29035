/**
 * DCGM exporter (default `:9400/metrics`, Prometheus text). FB memory in MiB, power in W, utilisation in %, total
 * energy in mJ (counter). Unsupported fields carry DCGM's blank sentinels (e.g. 9223372036854775794): values
 * ≥ 2^63−20 are dropped. Devices keyed by the `gpu` label. Source: dcgm-exporter etc/default-counters.csv @d5e5f51
 * (protocols.md §10.1).
 */
import { parsePrometheusText } from '../prometheus.js';
import { type DeviceSample, MIB } from './types.js';

const BLANK_MIN = 2 ** 63 - 20;

export function parseDcgm(text: string): DeviceSample[] {
  const s = parsePrometheusText(text);
  const devs = new Map<string, DeviceSample & { fb_free: number | null; fb_reserved: number | null }>();
  for (const x of s.samples) {
    if (!x.name.startsWith('DCGM_FI_')) continue;
    const id = x.labels.gpu ?? x.labels.device ?? '0';
    let d = devs.get(id);
    if (!d) {
      d = { id, name: x.labels.modelName ?? null, memory_used_bytes: null, memory_total_bytes: null, utilization_pct: null, power_w: null, energy_j: null, temperature_c: null, fb_free: null, fb_reserved: null };
      devs.set(id, d);
    }
    const v = !Number.isFinite(x.value) || Math.abs(x.value) >= BLANK_MIN ? null : x.value;
    if (v === null) continue;
    switch (x.name) {
      case 'DCGM_FI_DEV_FB_USED':
        d.memory_used_bytes = v * MIB;
        break;
      case 'DCGM_FI_DEV_FB_FREE':
        d.fb_free = v * MIB;
        break;
      case 'DCGM_FI_DEV_FB_RESERVED':
        d.fb_reserved = v * MIB;
        break;
      case 'DCGM_FI_DEV_GPU_UTIL':
        d.utilization_pct = v;
        break;
      case 'DCGM_FI_DEV_POWER_USAGE':
        d.power_w = v;
        break;
      case 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION':
        d.energy_j = v / 1000;
        break;
      case 'DCGM_FI_DEV_GPU_TEMP':
        d.temperature_c = v;
        break;
    }
  }
  return [...devs.values()]
    .map(({ fb_free, fb_reserved, ...d }) => ({
      ...d,
      // Total framebuffer = used + free + reserved (the driver's share, reported separately since DCGM 3).
      memory_total_bytes: d.memory_used_bytes !== null && fb_free !== null ? d.memory_used_bytes + fb_free + (fb_reserved ?? 0) : null,
    }))
    .sort((a, b) => Number(a.id) - Number(b.id));
}
