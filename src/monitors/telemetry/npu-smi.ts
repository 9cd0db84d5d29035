/**
 * Ascend npu-smi. `npu-smi info` prints two rows per NPU (protocols.md §10.4, seed 001):
 *   | 0     910B3               | OK            | 93.1        51                0    / 0             |
 *   | 0                         | 0000:C1:00.0  | 0           0    / 0          3357 / 65536         |
 * row 1: NPU id, name, health, power (W), temperature; row 2: chip id, bus id, AICore %, memory used/total,
 * HBM used/total (MB). Five-digit values lose their space (`53492/ 65536`), so pairs are matched as
 * "digits, optional spaces, slash, optional spaces, digits". The process table that follows is skipped. `npu-smi info -t usages -i N` prints
 * `key : value` lines (`HBM Capacity(MB) : 65536`, `HBM Usage Rate(%) : 5`, `NPU Utilization(%) : 0`, …),
 * repeated per `Chip ID` on multi-chip cards; used HBM = capacity × rate.
 */
import { type DeviceSample, MIB } from './types.js';

const PAIR = /(\d+)\s*\/\s*(\d+)/g;

function cells(line: string): string[] {
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

function numOrNull(s: string | undefined): number | null {
  if (s === undefined || s === '' || s === '-' || /^n\/?a$/i.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

export function parseNpuSmiInfo(text: string): DeviceSample[] {
  const out: DeviceSample[] = [];
  const lines = text.split(/\r?\n/);
  let pending: { id: string; name: string | null; power: number | null; temp: number | null } | null = null;
  for (const line of lines) {
    if (/Process id|Process name/i.test(line)) break; // the process table: no device rows after it
    if (!line.startsWith('|')) continue;
    const c = cells(line);
    if (c.length < 3) continue;
    // Row 1: "<npu id> <name>" | health | "power temp hugepages"
    const r1 = /^(\d+)\s+(\S.*)$/.exec(c[0]!);
    if (r1 && /^(OK|Warning|Alarm|Critical|Abnormal)/i.test(c[1]!)) {
      const f = c[2]!.split(/\s+/);
      pending = { id: r1[1]!, name: r1[2]!.trim(), power: numOrNull(f[0]), temp: numOrNull(f[1]) };
      continue;
    }
    // Row 2: "<chip id>" | bus id | "aicore  mem used / total  hbm used / total"
    if (pending && /^\d+$/.test(c[0]!) && /^[0-9A-Fa-f]{4}:/.test(c[1]!)) {
      const aicore = numOrNull(c[2]!.split(/\s+/)[0]);
      const pairs = [...c[2]!.matchAll(PAIR)];
      // The last pair is HBM; the first is DDR "Memory-Usage", often 0 / 0 on 910B.
      const hbm = pairs.length >= 2 ? pairs[pairs.length - 1]! : null;
      out.push({
        id: pending.id,
        name: pending.name,
        memory_used_bytes: hbm ? Number(hbm[1]) * MIB : null,
        memory_total_bytes: hbm ? Number(hbm[2]) * MIB : null,
        utilization_pct: aicore,
        power_w: pending.power,
        temperature_c: pending.temp,
      });
      pending = null;
    }
  }
  return out;
}

export interface NpuUsages {
  hbm_capacity_mb: number | null;
  hbm_usage_pct: number | null;
  aicore_pct: number | null;
  npu_utilization_pct: number | null;
}

/** `npu-smi info -t usages -i N`: one entry per chip (`Chip ID : n` starts a new one). */
export function parseNpuSmiUsages(text: string): NpuUsages[] {
  const chips: NpuUsages[] = [];
  let cur: NpuUsages | null = null;
  const fresh = (): NpuUsages => ({ hbm_capacity_mb: null, hbm_usage_pct: null, aicore_pct: null, npu_utilization_pct: null });
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const val = numOrNull(m[2]!);
    if (key === 'chip id') {
      cur = fresh();
      chips.push(cur);
      continue;
    }
    if (!cur) {
      cur = fresh();
      chips.push(cur);
    }
    if (key.startsWith('hbm capacity')) cur.hbm_capacity_mb = val;
    else if (key.startsWith('hbm usage rate')) cur.hbm_usage_pct = val;
    else if (key.startsWith('aicore usage rate')) cur.aicore_pct = val;
    else if (key.startsWith('npu utilization')) cur.npu_utilization_pct = val;
  }
  return chips;
}

/** Used HBM of one NPU from its usages (sum over chips), bytes; null when capacity or rate is missing. */
export function usagesToSample(id: string, chips: NpuUsages[]): Pick<DeviceSample, 'memory_used_bytes' | 'memory_total_bytes' | 'utilization_pct'> {
  let used: number | null = null;
  let total: number | null = null;
  let util: number | null = null;
  for (const c of chips) {
    if (c.hbm_capacity_mb !== null) total = (total ?? 0) + c.hbm_capacity_mb * MIB;
    if (c.hbm_capacity_mb !== null && c.hbm_usage_pct !== null) used = (used ?? 0) + (c.hbm_capacity_mb * c.hbm_usage_pct * MIB) / 100;
    const u = c.npu_utilization_pct ?? c.aicore_pct;
    if (u !== null) util = Math.max(util ?? 0, u);
  }
  void id;
  return { memory_used_bytes: used, memory_total_bytes: total, utilization_pct: util };
}
