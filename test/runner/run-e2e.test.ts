import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult } from '../../src/core/result.js';
import { interruptAfterRecords, readOnlyRun } from '../support/run-folder.js';

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function server(script = {}, opts = { tokenize: true }) {
  const s = await startScriptedServer(script, opts);
  servers.push(s);
  return s;
}

test('a grid of exact-length scenarios against a scripted server: counts, ids, timings and sources', async () => {
  const s = await server({ ttftMs: 30, itlMs: 4 });
  const out = tempDir();
  const r = await runCli(['run', '--target', `${s.url}/v1`, '--input-tokens', '12,20', '--output-tokens', '6', '--requests', '3', '-c', '1,2', '--out', out, '--name', 'grid'], { report: true });
  assert.equal(r.code, 0, r.stderr);
  const { dir, result, records } = readOnlyRun(out);
  assert.match(dir, /grid_scripted-model_\d{8}_\d{6}$/);
  assert.equal(result.schema, 'llmbench.result/v1');
  assert.equal(result.finished_at !== null, true);
  assert.equal(result.interrupted, false);
  assert.deepEqual(result.scenarios.map((x) => x.id), ['in12_out6_c1', 'in12_out6_c2', 'in20_out6_c1', 'in20_out6_c2']);
  assert.equal(records.length, 12);
  for (const rec of records) {
    assert.equal(rec.status, 'ok');
    assert.equal(rec.output_tokens, 6);
    assert.equal(rec.output_tokens_source, 'usage');
    assert.equal(rec.output_tokens_chunks, 6);
    assert.equal(rec.input_tokens, rec.scenario_id.startsWith('in12') ? 12 : 20);
    assert.equal(rec.input_tokens_expected, rec.input_tokens);
    assert.ok(rec.ttft_ms! >= 29, `ttft ${rec.ttft_ms}`);
    assert.equal(rec.chunk_times.length, 6);
  }
  const sc = result.scenarios[0]!;
  assert.equal(sc.summary.requests_ok, 3);
  assert.equal(sc.token_check.requested, 3);
  assert.equal(sc.token_check.short, 0);
  assert.equal(sc.metrics.itl_ms!.n, 15);
  // The server saw ignore_eos and min_tokens, and a salted, different prompt for each request.
  // (The workload's one-token usage probe per scenario is not a measured request.)
  const bodies = s.requests.filter((q) => q.path === '/v1/chat/completions' && q.body.max_tokens === 6).map((q) => q.body);
  assert.equal(bodies.length, 12);
  assert.equal(bodies[0]!.ignore_eos, true);
  assert.equal(bodies[0]!.min_tokens, 6);
  assert.equal(new Set(bodies.map((b) => JSON.stringify(b.messages))).size, bodies.length);
  assert.match(r.stdout, /in20_out6_c2/);
  // By default the run also writes its report and records itself in the history.
  assert.ok(readdirSync(dir).includes('report.html'));
  assert.match(r.stderr, /history id: /);
});

test('failures are recorded with their reason and the run goes on (exit 0)', async () => {
  const s = await server({ itlMs: 1 });
  const out = tempDir();
  const cases = [
    { fault: 'http500' },
    { fault: 'reset', faultAfter: 2 },
    { fault: 'malformed', faultAfter: 1 },
    { fault: 'error-event', faultAfter: 1 },
    { fault: 'stall', faultAfter: 1 },
    { fault: 'no-finish' },
  ];
  const results: Array<[string, string | undefined, number | null]> = [];
  for (const c of cases) {
    const o = join(out, c.fault);
    // 3 s: long enough that only the stalled stream times out, on a loaded machine too.
    const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '4', '--requests', '1', '--timeout', '3s', '--extra-body', JSON.stringify({ script: c }), '--out', o]);
    assert.equal(r.code, 4, `${c.fault}: a scenario whose every request failed exits 4\n${r.stderr}`);
    const { records, result } = readOnlyRun(o);
    results.push([records[0]!.status, records[0]!.error?.kind, records[0]!.error?.http_status ?? null]);
    assert.equal(result.scenarios[0]!.status, 'failed');
    assert.equal(result.scenarios[0]!.summary.requests_failed, 1);
  }
  assert.deepEqual(results, [
    ['error', 'http', 500],
    ['error', 'stream', null],
    ['error', 'parse', null],
    ['error', 'server', null],
    ['timeout', 'timeout', null],
    ['error', 'stream', null],
  ]);
});

test('a server that rejects ignore_eos gets the request again without it, and short outputs are reported', async () => {
  const s = await server({ rejectFields: ['ignore_eos'], eosAfter: 3, itlMs: 1 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '10', '--requests', '2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const sc = result.scenarios[0]!;
  assert.equal(sc.token_check.short, 2);
  assert.equal(sc.token_check.length_forced, false);
  assert.deepEqual(sc.token_check.short_requests.map((x) => [x.index, x.requested, x.usage]), [[0, 10, 3], [1, 10, 3]]);
  assert.equal(records[0]!.length_forced, false);
  assert.match(records[0]!.notes![0]!, /^length_not_forced/);
  assert.ok(sc.warnings.some((w) => w.code === 'OUTPUT_SHORT'));
  assert.equal(result.target!.length_forcing, 'none');
  assert.match(r.stderr, /came up short/);
});

test('--json prints results.json and nothing else on stdout; the API key appears in no output', async () => {
  const s = await server({ itlMs: 1 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '3', '--requests', '2', '--json', '--out', out, '--header', 'X-Secret: hush'], { env: { LLMBENCH_API_KEY: 'sk-very-secret' } });
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as RunResult;
  assert.equal(parsed.scenarios.length, 1);
  assert.equal(s.requests.at(-1)!.headers.authorization, 'Bearer sk-very-secret');
  const { dir } = readOnlyRun(out);
  for (const f of readdirSync(dir)) assert.ok(!readFileSync(join(dir, f), 'utf8').includes('sk-very-secret'), f);
  assert.ok(!readFileSync(join(dir, 'results.json'), 'utf8').includes('hush'));
  assert.ok(!r.stderr.includes('sk-very-secret'));
});

test('Ctrl-C stops sending, keeps completed requests, marks the run interrupted and exits 130', async () => {
  const s = await server({ itlMs: 20 });
  const out = tempDir();
  const ac = new AbortController();
  const watcher = interruptAfterRecords(out, 2, ac);
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '10', '--duration', '20s', '--out', out], { signal: ac.signal });
  await watcher;
  assert.equal(r.code, 130, r.stderr);
  const { result, records } = readOnlyRun(out);
  assert.equal(result.interrupted, true);
  assert.ok(result.finished_at);
  assert.ok(records.length >= 2 && records.length < 100, `${records.length} records`);
  assert.equal(result.scenarios[0]!.summary.requests_total, records.length);
  assert.equal(result.scenarios[0]!.status, 'interrupted');
});

test('an unreachable target is a setup error (exit 3) and writes no folder', async () => {
  const out = tempDir();
  const r = await runCli(['run', '--target', 'http://127.0.0.1:9', '--out', out]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /LLMBENCH_TARGET_UNREACHABLE/);
  assert.deepEqual(readdirSync(out), []);
});

test('every invalid option is reported at once, before anything is sent (exit 2)', async () => {
  const s = await server();
  const before = s.requests.length;
  const r = await runCli(['run', '--target', s.url, '--rate', '0', '--input-tokens', 'abc', '--concurrency', '2', '--batch', '--arrival', 'weird', '--slo', 'ttft:fast', '--bogus']);
  assert.equal(r.code, 2);
  for (const m of ['--rate: 0 must be greater than 0', "--input-tokens: 'abc' is not a token count", "--arrival: 'weird' is not an arrival process", "--slo: 'ttft:fast' is not an SLO", '--bogus: unknown option']) assert.ok(r.stderr.includes(m), `missing: ${m}\n${r.stderr}`);
  assert.equal(s.requests.length, before);
});

test('open-loop rate: every request keeps its scheduled time and the realised rate is close', async () => {
  const s = await server({ itlMs: 1 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '2', '--rate', '50', '--arrival', 'constant', '--requests', '10', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { records } = readOnlyRun(out);
  const sched = records.map((x) => x.scheduled_at - records[0]!.scheduled_at);
  assert.deepEqual(sched.map((x) => Math.round(x)), [0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
  // The lag is how late each send was (≥ 0, the sender never runs early); how late depends on the machine's load,
  // so only its consistency is exact: sent = scheduled + lag. The fixed schedule above is what keeps the rate.
  for (const x of records) {
    assert.ok(x.schedule_lag_ms! >= 0, `lag ${x.schedule_lag_ms}`);
    assert.ok(Math.abs(x.sent_at! - (x.scheduled_at + x.schedule_lag_ms!)) < 1e-6, `sent ${x.sent_at}, scheduled ${x.scheduled_at} + lag ${x.schedule_lag_ms}`);
  }
});

test('--rate without --arrival is a Poisson process: finite, increasing scheduled times, recorded as such', async () => {
  const s = await server({ itlMs: 1 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '2', '--rate', '200', '--requests', '6', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const sched = records.map((x) => x.scheduled_at).sort((a, b) => a - b);
  for (let i = 0; i < sched.length; i++) {
    assert.ok(Number.isFinite(sched[i]), `scheduled_at ${sched[i]}`);
    if (i > 0) assert.ok(sched[i]! > sched[i - 1]!, 'Poisson arrivals are strictly increasing');
  }
  assert.deepEqual((result.scenarios[0]!.load as { arrival: unknown }).arrival, { kind: 'poisson' });
});

test('outputs the server gave no usage for are counted by the tokenizer with or without --save-text', async () => {
  const s = await server({ usage: false, itlMs: 1, tokens: 4 });
  const out = tempDir();
  for (const save of ['--save-text', '--no-save-text']) {
    const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '4', '--requests', '2', save, '--out', join(out, save)]);
    assert.equal(r.code, 0, r.stderr);
    for (const rec of readOnlyRun(join(out, save)).records) {
      assert.equal(rec.output_tokens_source, 'server_tokenizer', save);
      assert.equal(rec.output_text === undefined, save === '--no-save-text');
    }
  }
});

test('--repeat keeps each repeat\'s summary and the spread across repeats', async () => {
  const s = await server({ itlMs: 1 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '3', '--requests', '2', '--repeat', '3', '--warmup', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const sc = result.scenarios[0]!;
  assert.equal(records.filter((x) => x.warmup).length, 3);
  assert.equal(sc.summary.requests_total, 6);
  assert.deepEqual(sc.repeats!.map((x) => [x.repeat, x.summary.requests_ok]), [[0, 2], [1, 2], [2, 2]]);
  assert.equal(sc.repeat_spread!.output_token_throughput!.n, 3);
});

test('results.json and every requests.jsonl line follow the published JSON Schemas', async () => {
  const { validate } = await import('../support/json-schema.js');
  const resultsSchema = JSON.parse(readFileSync('docs/results.schema.json', 'utf8'));
  const requestsSchema = JSON.parse(readFileSync('docs/requests.schema.json', 'utf8'));
  const s = await server({ itlMs: 1, tokenIds: true, chunkTokens: 2, reasoningTokens: 1 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '6', '--requests', '3', '--repeat', '2', '--percentiles', '95,99.9', '--slo', 'ttft:1s', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  assert.deepEqual(validate(resultsSchema, result), []);
  for (const rec of records) assert.deepEqual(validate(requestsSchema, rec), []);
  // Multi-token chunks: 6 tokens in 3 content chunks of 2, plus one reasoning chunk without ids.
  assert.equal(records[0]!.output_tokens, 6);
  assert.equal(records[0]!.chunk_tokens, null);
  assert.equal(typeof result.scenarios[0]!.metrics.ttft_ms!['p99.9'], 'number');
  assert.equal(records[0]!.ttfo_ms! > records[0]!.ttft_ms!, true);
  assert.equal(result.scenarios[0]!.summary.good_requests, 6);
});

test('without a tokenize endpoint, prompt sizes are calibrated from usage.prompt_tokens and input_tokens is the server\'s count', async () => {
  const s = await server({ itlMs: 1 }, { tokenize: false });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '60', '--output-tokens', '2', '--requests', '3', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const w = result.scenarios[0]!.workload as { note: string; tokenizer: string | null };
  assert.equal(w.tokenizer, null);
  assert.match(w.note, /calibrated from the server's usage.prompt_tokens \(1\.000 tokens per word \+ 2\.0\)/);
  for (const rec of records) {
    assert.equal(rec.input_tokens_source, 'usage');
    assert.ok(Math.abs(rec.input_tokens! - 60) <= 2, `input ${rec.input_tokens}`);
  }
});

test('--model-shape and --hardware give MBU/MFU per scenario; without hardware they are null with a note', async () => {
  const s = await server({ ttftMs: 20, itlMs: 10 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '64', '--output-tokens', '8', '--requests', '2', '--model-shape', 'llama-3.1-8b', '--hardware', 'h100-sxm', '--out', join(out, 'a')]);
  assert.equal(r.code, 0, r.stderr);
  const a = readOnlyRun(join(out, 'a')).result.scenarios[0]!.efficiency as { mbu: number; mfu: number; hardware: string; predicted_memory_bytes: number };
  assert.equal(a.hardware, 'NVIDIA H100 SXM 80GB');
  // MBU = bytes read per decode step / step time / bandwidth. The step time is measured (the scripted 10 ms, longer
  // on a loaded machine), so the check is MBU × measured step, which is fixed: ~16.07 GB of bf16 weights and KV
  // read per step over 3.35 TB/s = 4.80 ms.
  const tpot = readOnlyRun(join(out, 'a')).result.scenarios[0]!.metrics.tpot_ms!.p50 as number;
  assert.ok(Math.abs(a.mbu * tpot - 4.797) < 0.005, `mbu ${a.mbu} × tpot ${tpot} ms`);
  assert.ok(a.mfu > 0 && a.mfu < 1, `mfu ${a.mfu}`);
  assert.ok(a.predicted_memory_bytes > 16e9);
  const r2 = await runCli(['run', '--target', s.url, '--input-tokens', '64', '--output-tokens', '8', '--requests', '1', '--model-shape', 'llama-3.1-8b', '--out', join(out, 'b')]);
  assert.equal(r2.code, 0, r2.stderr);
  const b = readOnlyRun(join(out, 'b')).result.scenarios[0]!.efficiency as { mbu: null; mfu: null; note: string };
  assert.equal(b.mbu, null);
  assert.equal(b.mfu, null);
  assert.match(b.note, /pass --hardware/);
  const bad = await runCli(['run', '--target', s.url, '--hardware', 'potato', '--model-shape', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--hardware/);
  assert.match(bad.stderr, /--model-shape/);
});
