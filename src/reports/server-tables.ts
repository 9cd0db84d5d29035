/**
 * Tables of what the server and its accelerators reported, one row per scenario (per device for telemetry).
 * Pure: they read results.json's `server_metrics`, `telemetry` and `metrics.client_minus_server_*`, return Tables.
 */
import { type RunResult, type ScenarioResult } from '../core/result.js';
import { type Cell, type Table } from './table.js';

interface ReportLike {
  source: string | null;
  summary: Record<string, number | null>;
  notices: string[];
  devices?: Array<Record<string, number | string | null>>;
}

const GIB = 1024 ** 3;

function report(s: ScenarioResult, key: 'server_metrics' | 'telemetry'): ReportLike | null {
  const r = s[key] as ReportLike | undefined;
  return r && typeof r === 'object' && r.summary ? r : null;
}

const pct = (v: number | null | undefined): Cell => (typeof v === 'number' ? v * 100 : null);
const gib = (v: unknown): Cell => (typeof v === 'number' ? v / GIB : null);

/** Server-side latency and scheduler figures; null when no scenario has any. */
export function serverSideTable(r: RunResult): Table | null {
  const rows = r.scenarios
    .map((s) => {
      const m = report(s, 'server_metrics')?.summary ?? {};
      const row: Record<string, Cell> = {
        scenario: s.id,
        ttft: m.server_ttft_mean_ms ?? s.metrics.server_ttft_ms?.mean ?? null,
        queue: m.server_queue_mean_ms ?? s.metrics.server_queue_ms?.mean ?? null,
        prefill: m.server_prefill_mean_ms ?? s.metrics.server_prefill_ms?.mean ?? null,
        decode: m.server_decode_mean_ms ?? s.metrics.server_decode_ms?.mean ?? null,
        running: m.requests_running_mean ?? null,
        waiting: m.requests_waiting_max ?? null,
        kv: pct(m.kv_cache_usage_max),
        hit: pct(m.prefix_cache_hit_rate),
        spec: pct(m.spec_decode_acceptance_rate),
        cms: s.metrics.client_minus_server_e2e_ms?.p50 ?? null,
      };
      return row;
    })
    .filter((row) => Object.entries(row).some(([k, v]) => k !== 'scenario' && v !== null));
  if (!rows.length) return null;
  return {
    title: 'Server side',
    columns: [
      { key: 'scenario', title: 'scenario' },
      { key: 'ttft', title: 'TTFT mean (ms)' },
      { key: 'queue', title: 'queue (ms)' },
      { key: 'prefill', title: 'prefill (ms)' },
      { key: 'decode', title: 'decode (ms)' },
      { key: 'running', title: 'running (mean)' },
      { key: 'waiting', title: 'waiting (max)' },
      { key: 'kv', title: 'KV cache max (%)', decimals: 1 },
      { key: 'hit', title: 'prefix hit (%)', decimals: 1 },
      { key: 'spec', title: 'spec accept (%)', decimals: 1 },
      { key: 'cms', title: 'client−server E2E p50 (ms)' },
    ],
    rows,
  };
}

/** Per device and scenario: memory, utilisation, power, energy; null when nothing was measured. */
export function telemetryTable(r: RunResult): Table | null {
  const rows: Array<Record<string, Cell>> = [];
  for (const s of r.scenarios) {
    const t = report(s, 'telemetry');
    if (!t?.devices?.length) continue;
    for (const d of t.devices) {
      rows.push({
        scenario: s.id,
        device: `${d.id}${d.name ? ` ${d.name}` : ''}`,
        peak: gib(d.memory_used_peak_bytes),
        above: gib(d.memory_above_idle_peak_bytes),
        util: (d.utilization_mean_pct as number | null) ?? null,
        power: (d.power_mean_w as number | null) ?? null,
        energy: (d.energy_j as number | null) ?? null,
      });
    }
    rows.push({ scenario: s.id, device: 'all', peak: gib(t.summary.memory_used_peak_bytes), above: gib(t.summary.memory_above_idle_peak_bytes), util: t.summary.utilization_mean_pct ?? null, power: t.summary.power_mean_w ?? null, energy: t.summary.energy_j ?? null, jpt: t.summary.energy_per_output_token_j ?? null });
  }
  if (!rows.length) return null;
  return {
    title: 'Accelerators',
    columns: [
      { key: 'scenario', title: 'scenario' },
      { key: 'device', title: 'device' },
      { key: 'peak', title: 'memory peak (GiB)' },
      { key: 'above', title: 'above idle (GiB)' },
      { key: 'util', title: 'util mean (%)', decimals: 1 },
      { key: 'power', title: 'power mean (W)', decimals: 1 },
      { key: 'energy', title: 'energy (J)', decimals: 1 },
      { key: 'jpt', title: 'J / output token', decimals: 3 },
    ],
    rows,
  };
}

/** Every distinct monitor notice of the run, in order (a missing tool is reported once, not per scenario). */
export function monitorNotices(r: RunResult): string[] {
  const out: string[] = [];
  for (const s of r.scenarios) {
    for (const key of ['server_metrics', 'telemetry'] as const) {
      for (const n of report(s, key)?.notices ?? []) if (!out.includes(n)) out.push(n);
    }
  }
  return out;
}
