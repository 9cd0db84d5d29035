import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorNotices, serverSideTable, telemetryTable } from '../../src/reports/server-tables.js';
import { type RunResult } from '../../src/core/result.js';

const GIB = 1024 ** 3;

function result(scenarios: Array<Record<string, unknown>>): RunResult {
  return { scenarios: scenarios.map((s) => ({ id: 's1', metrics: {}, warnings: [], ...s })) } as unknown as RunResult;
}

test('server-side table: Prometheus summaries first, per-request server timings as fallback, n/a never 0', () => {
  const t = serverSideTable(
    result([
      {
        server_metrics: { source: 'u', notices: [], summary: { server_ttft_mean_ms: 75, requests_running_mean: 2, requests_waiting_max: 1, kv_cache_usage_max: 0.5, prefix_cache_hit_rate: 0.05, spec_decode_acceptance_rate: null } },
        metrics: { server_prefill_ms: { mean: 12 }, client_minus_server_e2e_ms: { p50: 3.5 } },
      },
    ]),
  )!;
  assert.deepEqual(t.rows[0], { scenario: 's1', ttft: 75, queue: null, prefill: 12, decode: null, running: 2, waiting: 1, kv: 50, hit: 5, spec: null, cms: 3.5 });
  assert.equal(serverSideTable(result([{}])), null);
});

test('telemetry table: one row per device plus the total, GiB and J per token', () => {
  const t = telemetryTable(
    result([
      {
        telemetry: {
          source: 'nvidia-smi',
          notices: ['x'],
          summary: { memory_used_peak_bytes: 3 * GIB, memory_above_idle_peak_bytes: GIB, utilization_mean_pct: 50, power_mean_w: 300, energy_j: 600, energy_per_output_token_j: 0.5 },
          devices: [{ id: '0', name: 'H100', memory_used_peak_bytes: 3 * GIB, memory_above_idle_peak_bytes: GIB, utilization_mean_pct: 50, power_mean_w: 300, energy_j: 600 }],
        },
      },
    ]),
  )!;
  assert.deepEqual(t.rows, [
    { scenario: 's1', device: '0 H100', peak: 3, above: 1, util: 50, power: 300, energy: 600 },
    { scenario: 's1', device: 'all', peak: 3, above: 1, util: 50, power: 300, energy: 600, jpt: 0.5 },
  ]);
  assert.equal(telemetryTable(result([{ telemetry: { source: null, notices: [], summary: {}, devices: [] } }])), null);
});

test('notices are listed once per run', () => {
  const r = result([
    { telemetry: { source: null, notices: ['no GPU'], summary: {} }, server_metrics: { source: 'u', notices: ['scrape failed'], summary: {} } },
    { id: 's2', telemetry: { source: null, notices: ['no GPU'], summary: {} } },
  ]);
  assert.deepEqual(monitorNotices(r), ['scrape failed', 'no GPU']);
});
