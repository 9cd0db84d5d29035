import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { createMonitors } from '../../src/monitors/monitor.js';
import { type TargetInfo } from '../../src/targets/target.js';

const BIN = resolve('test/support/bin');
const MIB = 1024 * 1024;

function target(kind: string, url: string | null): TargetInfo {
  return { kind, url, api: 'chat', model: 'm', length_forcing: 'ignore_eos', tokenizer: null };
}

async function withFakeTools<T>(fn: () => Promise<T>, path = `${BIN}:${process.env.PATH}`): Promise<T> {
  const state = mkdtempSync(join(tmpdir(), 'llmbench-smi-'));
  const saved = { PATH: process.env.PATH, FAKE_SMI_STATE: process.env.FAKE_SMI_STATE };
  process.env.PATH = path;
  process.env.FAKE_SMI_STATE = state;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.FAKE_SMI_STATE === undefined) delete process.env.FAKE_SMI_STATE;
    else process.env.FAKE_SMI_STATE = saved.FAKE_SMI_STATE;
    rmSync(state, { recursive: true, force: true });
  }
}

test('nvidia-smi stand-in: idle reading, peak, above idle, [N/A] power → null energy', async () => {
  await withFakeTools(async () => {
    const clock = new ManualClock();
    const [tel] = createMonitors({ sampleIntervalMs: 60_000, metricsUrl: 'none' }, target('vllm', 'http://127.0.0.1:1'), clock);
    await tel!.prepare!(); // call 1: idle, 1000 MiB
    await tel!.start(); // call 2
    clock.advance(2000);
    const r = await tel!.stop({ outputTokens: 100 }); // call 3
    assert.equal(r.source, 'nvidia-smi');
    assert.deepEqual(r.notices, []);
    const g0 = r.devices!.find((d) => d.id === '0')!;
    assert.equal(g0.name, 'NVIDIA H100 80GB HBM3');
    assert.equal(g0.memory_idle_bytes, 1000 * MIB);
    assert.equal(g0.memory_used_peak_bytes, 3000 * MIB);
    assert.equal(g0.memory_above_idle_peak_bytes, 2000 * MIB);
    assert.equal(g0.utilization_mean_pct, 25);
    assert.equal(g0.power_mean_w, 175.25);
    assert.equal(g0.energy_j, 350.5); // (150.25 + 200.25)/2 W · 2 s
    const g1 = r.devices!.find((d) => d.id === '1')!;
    assert.equal(g1.power_mean_w, null);
    assert.equal(g1.energy_j, null);
    assert.equal(r.summary.energy_j, null); // one device unmeasured → the total is unknown
    assert.equal(r.summary.memory_used_peak_bytes, 3500 * MIB);
    assert.equal(r.summary.memory_above_idle_peak_bytes, 2000 * MIB);
    assert.equal(r.series.length, 4);
    assert.deepEqual(r.series[0], { t_ms: 0, device: '0', memory_used_bytes: 2000 * MIB, utilization_pct: 20, power_w: 150.25 });
  });
});

test('npu-smi stand-in through --telemetry npu-smi: table rows, -t usages fallback, energy per token', async () => {
  await withFakeTools(async () => {
    const clock = new ManualClock();
    const [tel] = createMonitors({ sampleIntervalMs: 60_000, metricsUrl: 'none', telemetry: 'npu-smi' }, target('mindie', 'https://10.0.0.5:1025'), clock);
    await tel!.prepare!();
    await tel!.start();
    clock.advance(1000);
    const r = await tel!.stop({ outputTokens: 10 });
    assert.equal(r.source, 'npu-smi');
    const n1 = r.devices!.find((d) => d.id === '1')!;
    assert.equal(n1.memory_idle_bytes, 51000 * MIB);
    assert.equal(n1.memory_used_peak_bytes, 53000 * MIB);
    assert.equal(n1.memory_above_idle_peak_bytes, 2000 * MIB);
    assert.equal(n1.energy_j, 250); // (200 + 300)/2 W · 1 s
    const n2 = r.devices!.find((d) => d.id === '2')!;
    assert.equal(n2.memory_used_peak_bytes, 32768 * 0.25 * MIB);
    assert.equal(n2.utilization_mean_pct, 3);
    // energies: npu0 93.1 W · 1 s + 250 + 80 → per token / 10
    assert.equal(Math.round(r.summary.energy_per_output_token_j! * 1000) / 1000, 42.31);
  });
});

test('rocm-smi stand-in via a --telemetry-cmd wrapper (env as the "ssh")', async () => {
  await withFakeTools(async () => {
    const clock = new ManualClock();
    const [tel] = createMonitors({ sampleIntervalMs: 60_000, metricsUrl: 'none', telemetry: 'rocm-smi', telemetryCmd: 'env' }, target('vllm', 'http://gpu-box:8000'), clock);
    await tel!.start();
    const r = await tel!.stop();
    assert.equal(r.source, 'env rocm-smi');
    // resolve() takes the idle reading (call 1), start call 2, stop call 3
    assert.equal(r.devices![0]!.memory_used_peak_bytes, 3 * 1024 ** 3);
    assert.equal(r.devices![0]!.memory_above_idle_peak_bytes, 2 * 1024 ** 3);
    assert.equal(r.devices![0]!.memory_total_bytes, 25753026560);
    assert.equal(r.devices![0]!.power_max_w, 150);
  });
});

test('no tool anywhere: null figures and one notice for the run, never zeros', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'llmbench-empty-'));
  try {
    await withFakeTools(async () => {
      const [tel] = createMonitors({ sampleIntervalMs: 60_000, metricsUrl: 'none' }, target('embedded', null), new ManualClock());
      await tel!.prepare!();
      await tel!.start();
      const r1 = await tel!.stop({ outputTokens: 5 });
      assert.equal(r1.source, null);
      assert.equal(r1.notices.length, 1);
      assert.match(r1.notices[0]!, /nvidia-smi: not found; rocm-smi: not found; npu-smi: not found/);
      assert.equal(r1.summary.memory_used_peak_bytes, null);
      assert.equal(r1.summary.energy_per_output_token_j, null);
      assert.equal(r1.summary.devices, null);
      await tel!.start();
      const r2 = await tel!.stop();
      assert.deepEqual(r2.notices, []);
    }, empty);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('remote server without --telemetry-cmd: local tools are not used', async () => {
  await withFakeTools(async () => {
    const [tel] = createMonitors({ sampleIntervalMs: 60_000, metricsUrl: 'none' }, target('vllm', 'http://10.1.2.3:8000'), new ManualClock());
    await tel!.start();
    const r = await tel!.stop();
    assert.equal(r.source, null);
    assert.match(r.notices[0]!, /not on this machine/);
  });
});

test('server metrics monitor scrapes the default URL and summarises the window', async () => {
  let n = 0;
  const srv = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    n++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="m"} ${n}\nvllm:prefix_cache_hits_total{model_name="m"} ${n * 90}\nvllm:prefix_cache_queries_total{model_name="m"} ${n * 100}\n`);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    const clock = new ManualClock();
    const mons = createMonitors({ sampleIntervalMs: 60_000, telemetry: 'none', defaultMetricsUrl: `http://127.0.0.1:${port}/metrics` }, target('vllm', `http://127.0.0.1:${port}`), clock);
    assert.equal(mons.length, 1);
    await mons[0]!.start();
    clock.advance(100);
    const r = await mons[0]!.stop({ salted: true });
    assert.equal(r.source, `http://127.0.0.1:${port}/metrics`);
    assert.equal(r.summary.requests_running_mean, 1.5);
    assert.equal(r.summary.prefix_cache_hit_rate, 0.9);
    assert.equal(r.warnings![0]!.code, 'prefix_cache_hit_random');
    assert.deepEqual(r.series.map((p) => p.t_ms), [0, 100]);
  } finally {
    srv.close();
  }
});

test('server metrics: no URL from the caller and no --metrics-url means no scraping (monitors do not guess the server\'s URL)', () => {
  const mons = createMonitors({ sampleIntervalMs: 60_000, telemetry: 'none' }, target('vllm', 'http://127.0.0.1:1'), new ManualClock());
  assert.deepEqual(mons.map((m) => m.name), []);
  const named = createMonitors({ sampleIntervalMs: 60_000, telemetry: 'none', metricsUrl: 'none', defaultMetricsUrl: 'http://127.0.0.1:1/metrics' }, target('vllm', 'http://127.0.0.1:1'), new ManualClock());
  assert.deepEqual(named.map((m) => m.name), []);
});

test('server metrics monitor: a failing scrape is one notice with the enabling hint', async () => {
  const srv = createServer((_req, res) => void res.writeHead(501).end('{"error":{"code":501,"message":"This server does not support metrics endpoint.","type":"not_supported_error"}}'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    const [m] = createMonitors({ sampleIntervalMs: 60_000, telemetry: 'none', defaultMetricsUrl: `http://127.0.0.1:${port}/metrics` }, target('llamacpp', `http://127.0.0.1:${port}`), new ManualClock());
    await m!.start();
    const r = await m!.stop();
    assert.equal(r.notices.length, 1);
    assert.match(r.notices[0]!, /HTTP 501.*--metrics/);
    assert.equal(r.summary.server_ttft_mean_ms, null);
    await m!.start();
    assert.deepEqual((await m!.stop()).notices, []);
  } finally {
    srv.close();
  }
});
