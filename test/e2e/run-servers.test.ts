// Every adapter end to end through the real `llmbench run` against its scripted server: detection, length forcing,
// token counts, server timings, server metrics, errors inside 200 streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { type RunResult, type ScenarioResult } from '../../src/core/result.js';
import { type RequestRecord } from '../../src/core/record.js';
import { readOnlyRun } from '../support/run-folder.js';
import { type ScriptedServer, startLlamacpp, startLmdeploy, startMindie, startOllama, startSglang, startTgi, startTriton, startTrtllm, startVllm } from '../support/servers/index.js';

async function runCli(args: string[]): Promise<{ code: number; result: RunResult | null; records: RequestRecord[]; stderr: string }> {
  const out = mkdtempSync(join(tmpdir(), 'llmbench-e2e-'));
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(['run', ...args, '--out', out, '--json', '--telemetry', 'none', '--sample-interval', '50ms'], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      isTTY: false,
      env: {},
      cwd: process.cwd(),
      signal: new AbortController().signal,
    });
    const result = stdout ? (JSON.parse(stdout) as RunResult) : null;
    let records: RequestRecord[] = [];
    if (result) {
      records = readOnlyRun(out).records;
    }
    return { code, result, records, stderr };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function withServer(start: () => Promise<ScriptedServer>, fn: (s: ScriptedServer) => Promise<void>): Promise<void> {
  const s = await start();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

const BASE = ['--input-tokens', '12', '--output-tokens', '7', '-n', '2'];

function only(r: RunResult | null): ScenarioResult {
  assert.ok(r, 'no results.json on stdout');
  assert.equal(r.scenarios.length, 1);
  return r.scenarios[0]!;
}

test('vLLM: detected, exact length forced, server metrics scraped', async () => {
  await withServer(startVllm, async (s) => {
    const { code, result, records, stderr } = await runCli(['--target', `${s.url}/v1`, ...BASE]);
    assert.equal(code, 0, stderr);
    const sc = only(result);
    assert.equal(result!.target!.kind, 'vllm');
    assert.deepEqual(result!.target!.server, { detected: 'vllm', how: 'GET /v1/models owned_by="vllm"', version: '0.11.0' });
    assert.match(stderr, /server: vllm 0\.11\.0 \(detected by GET \/v1\/models owned_by="vllm"\)/);
    assert.equal(sc.status, 'ok');
    assert.deepEqual(records.map((r) => [r.output_tokens, r.output_tokens_source, r.input_tokens]), [[7, 'usage', 12], [7, 'usage', 12]]);
    assert.equal(sc.token_check.short, 0);
    const sm = sc.server_metrics as { source: string; summary: Record<string, number | null>; notices: string[] };
    assert.equal(sm.source, `${s.url}/metrics`);
    assert.deepEqual(sm.notices, []);
    assert.equal(sm.summary.prefix_cache_hit_rate, 0.1);
    // Δsum/Δcount over however many scrapes fell in the window (timing-dependent count, constant ratio)
    assert.equal(Math.round(sm.summary.server_ttft_mean_ms! * 1e9) / 1e9, 5);
    // the prefix cache was reset before the scenario
    assert.equal(s.bodies('/reset_prefix_cache').length, 1);
    assert.match(stderr, /Server side/);
    assert.match(stderr, /prefix hit \(%\)/);
  });
});

test('SGLang native: cumulative text and meta_info timings through the runner', async () => {
  await withServer(startSglang, async (s) => {
    const { code, result, records, stderr } = await runCli(['--target', s.url, '--server', 'sglang', '--api', 'native', '--metrics-url', 'none', ...BASE]);
    assert.equal(code, 0, stderr);
    const sc = only(result);
    assert.equal(sc.status, 'ok');
    assert.equal(records[0]!.output_tokens, 7);
    assert.equal(records[0]!.output_text, ' w0 w1 w2 w3 w4 w5 w6');
    assert.equal(records[0]!.server_timings!.e2e_ms, 271.5655090287328);
    // The runner's per-scenario distributions of the server figure and of client − server (docs/metrics.md)
    assert.equal(sc.metrics.server_e2e_ms!.mean, 271.5655090287328);
    const diffs = records.map((r) => r.e2e_ms! - 271.5655090287328);
    assert.equal(sc.metrics.client_minus_server_e2e_ms!.n, 2);
    assert.equal(Math.round(sc.metrics.client_minus_server_e2e_ms!.mean! * 1e6), Math.round(((diffs[0]! + diffs[1]!) / 2) * 1e6));
    // the prefix cache was flushed once, before the scenario
    assert.deepEqual(s.requests.filter((r) => r.path === '/flush_cache').map((r) => r.method), ['POST']);
  });
});

test('TGI native cannot force the length: results say so, short outputs are flagged', async () => {
  await withServer(startTgi, async (s) => {
    const { code, result, records, stderr } = await runCli(['--target', s.url, '--api', 'native', ...BASE]);
    assert.equal(code, 0, stderr);
    const sc = only(result);
    assert.equal(result!.target!.length_forcing, 'none');
    assert.equal(records[0]!.output_tokens, 5);
    assert.equal(records[0]!.output_tokens_chunks, 5);
    assert.equal(sc.token_check.short, 2);
    assert.ok(sc.warnings.some((w) => w.code === 'OUTPUT_SHORT'));
  });
});

test('llama.cpp native: timings, client-minus-server E2E', async () => {
  await withServer(startLlamacpp, async (s) => {
    const { code, result, records, stderr } = await runCli(['--target', s.url, '--api', 'native', '--no-cache-reset', ...BASE]);
    assert.equal(code, 0, stderr);
    const sc = only(result);
    assert.equal(records[1]!.output_tokens, 7);
    assert.equal(records[1]!.server_timings!.prefill_ms, 1.573);
    // server E2E = prompt_ms + predicted_ms; client − server is the HTTP and client share
    assert.equal(records[1]!.server_timings!.e2e_ms, 1.573 + 19.7);
    const diffs = records.map((r) => r.e2e_ms! - (1.573 + 19.7));
    assert.equal(Math.round(sc.metrics.client_minus_server_e2e_ms!.mean! * 1e6), Math.round(((diffs[0]! + diffs[1]!) / 2) * 1e6));
    assert.equal(sc.metrics.client_minus_server_ttft_ms!.n, 2);
    assert.equal(s.requests.filter((r) => r.path.startsWith('/slots/')).length, 0); // --no-cache-reset
    // /metrics is not enabled on this server: one notice, null figures
    const sm = sc.server_metrics as { notices: string[]; summary: Record<string, number | null> };
    assert.match(sm.notices[0]!, /HTTP 404.*--metrics/);
    assert.match(stderr, /note: could not scrape .*start llama-server with --metrics/);
    assert.equal(sm.summary.generation_tokens, null);
  });
});

for (const [name, start, args, kind] of [
  ['LMDeploy', startLmdeploy, [], 'lmdeploy'],
  ['trtllm-serve', startTrtllm, [], 'trtllm'],
  ['Triton', startTriton, [], 'triton'],
  ['Ollama', startOllama, ['--api', 'native'], 'ollama'],
  ['MindIE', startMindie, ['--server', 'mindie', '--api', 'native'], 'mindie'],
] as const) {
  test(`${name}: runs end to end through llmbench run`, async () => {
    await withServer(start, async (s) => {
      const { code, result, records, stderr } = await runCli(['--target', s.url, ...args, ...BASE, '--metrics-url', 'none']);
      assert.equal(code, 0, stderr);
      const sc = only(result);
      assert.equal(result!.target!.kind, kind);
      assert.equal(sc.status, 'ok');
      assert.equal(records.length, 2);
      const forced = result!.target!.length_forcing !== 'none';
      for (const r of records) {
        assert.equal(r.status, 'ok');
        assert.equal(r.output_tokens, forced ? 7 : 5);
      }
    });
  });
}

test('a mid-stream error inside a 200 stream fails the request, not the run', async () => {
  await withServer(startLlamacpp, async (s) => {
    const { code, result, records } = await runCli(['--target', s.url, '--api', 'native', '--prompts', 'test/support/fail-prompts.txt', '--max-tokens', '6', '--metrics-url', 'none']);
    assert.equal(code, 0);
    assert.equal(result!.scenarios[0]!.summary.requests_failed, 1);
    const failed = records.find((r) => r.status === 'error')!;
    assert.equal(failed.error!.kind, 'server');
    assert.match(failed.error!.message, /exceeds the available context size/);
  });
});

test('server option problems are reported with the others, before anything is sent (exit 2)', async () => {
  let stderr = '';
  const code = await main(['run', '--target', 'http://127.0.0.1:1', '--client-cert', 'c.pem', '--telemetry', 'none', '--telemetry-cmd', 'ssh h'], {
    stdout: () => undefined,
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  });
  assert.equal(code, 2);
  assert.match(stderr, /2 problems/);
  assert.match(stderr, /--client-cert: needs --client-key/);
  assert.match(stderr, /--telemetry-cmd: has no effect with --telemetry none/);
});
