// Steady state through the real `llmbench run` against scripted servers: every summary states
// window_ms; --measure-window counts only the requests sent inside it (exact counts on a constant-rate schedule),
// keeps the others in requests.jsonl, and a rebuild or a merge re-summarises the same way. --stop-when-saturated
// against a server that answers one request at a time: far above its capacity the scenario stops early
// (saturated), well below it runs to the end; shards' verdicts merge.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { loadRunStrict, readOnlyRun } from '../support/run-folder.js';
import { rebuildResult } from '../../src/runner/rebuild.js';
import { runConfigProblems } from '../../src/runner/config.js';

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function server(script = {}) {
  const s = await startScriptedServer(script, { tokenize: true });
  servers.push(s);
  return s;
}

test('window_ms: first counted send to last counted end, in the scenario summary and each repeat\'s', async () => {
  const s = await server({ ttftMs: 5, itlMs: 2 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '3', '-n', '3', '--repeat', '2', '--warmup', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const sc = result.scenarios[0]!;
  const timed = records.filter((x) => !x.warmup);
  const span = (rs: typeof timed) => [Math.min(...rs.map((x) => x.sent_at!)), Math.max(...rs.map((x) => x.completed_at!))];
  assert.deepEqual(sc.summary.window_ms, span(timed));
  for (const rep of sc.repeats!) assert.deepEqual(rep.summary.window_ms, span(timed.filter((x) => x.repeat === rep.repeat)));
  const { validate } = await import('../support/json-schema.js');
  assert.deepEqual(validate(JSON.parse(readFileSync('docs/results.schema.json', 'utf8')), result), []);
  // Without --measure-window no record carries a phase start.
  assert.equal(records.some((x) => 'phase_started_at' in x), false);
  // Without --stop-when-saturated the scenario has no verdict at all.
  assert.equal('saturated' in sc || 'saturated_at_ms' in sc || 'saturation' in sc, false);
});

test('--measure-window 1s,3s at a constant 5/s: the 10 requests sent from 1 s to 3 s count, over 2 s; rebuild agrees', async () => {
  const s = await server({ ttftMs: 5, itlMs: 2 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '3', '-n', '20', '--rate', '5', '--arrival', 'constant', '--measure-window', '1s,3s', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  assert.equal(records.length, 20, 'every request stays in requests.jsonl');
  const phase = records[0]!.phase_started_at!;
  assert.equal(typeof phase, 'number');
  assert.ok(records.every((x) => x.phase_started_at === phase));
  // The schedule: request i at phase + 200·i ms, so i = 5..14 are inside [1000, 3000).
  assert.deepEqual(records.map((x) => Math.round((x.scheduled_at - phase) * 1e6) / 1e6), Array.from({ length: 20 }, (_, i) => 200 * i));
  const inside = records.filter((x) => x.sent_at! - phase >= 1000 && x.sent_at! - phase < 3000).map((x) => x.index).sort((a, b) => a - b);
  assert.deepEqual(inside, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14], 'each request was sent within 200 ms of its time');
  const sum = result.scenarios[0]!.summary;
  assert.equal(sum.requests_total, 10);
  assert.equal(sum.requests_ok, 10);
  assert.equal(sum.duration_s, 2);
  assert.equal(sum.request_throughput, 5);
  assert.equal(sum.output_token_throughput, 15);
  assert.deepEqual(sum.window_ms, [phase + 1000, phase + 3000]);
  assert.equal(result.scenarios[0]!.metrics.ttft_ms!.n, 10);
  assert.deepEqual((result.config as { load: { measureWindow: unknown } }).load.measureWindow, { startMs: 1000, endMs: 3000 });

  const { validate } = await import('../support/json-schema.js');
  for (const rec of records) assert.deepEqual(validate(JSON.parse(readFileSync('docs/requests.schema.json', 'utf8')), rec), []);
  const rebuilt = rebuildResult({ ...result, scenarios: [] }, records);
  assert.deepEqual(rebuilt.scenarios[0]!.summary, sum);
});

test('--measure-window past the end of a count-bounded phase: nothing counted, duration null; bad values are usage errors', async () => {
  const s = await server({ ttftMs: 1, itlMs: 1 });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '2', '-n', '2', '--measure-window', '10m,20m', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const sc = readOnlyRun(out).result.scenarios[0]!;
  const sum = sc.summary;
  assert.deepEqual([sc.status, sum.requests_total, sum.duration_s, sum.request_throughput, sum.window_ms], ['ok', 0, null, null, null]);
  const empty = sc.warnings.filter((w) => w.code === 'MEASURE_WINDOW_EMPTY');
  assert.equal(empty.length, 1);
  assert.match(empty[0]!.message, /no request of 2 was sent inside --measure-window 600s,1200s/);

  const sentBefore = s.requests.length;
  for (const [arg, msg] of [['5s,5s', /the end must come after the start/], ['10s', /is not START,END/], ['1s,soon', /soon is not a duration/], ['3s,1s', /the end must come after the start/]] as const) {
    const bad = await runCli(['run', '--target', s.url, '--measure-window', arg, '--out', out]);
    assert.equal(bad.code, 2, arg);
    assert.match(bad.stderr, /--measure-window/);
    assert.match(bad.stderr, msg);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  }
  const conv = await runCli(['run', '--target', s.url, '--synthetic-conversations', '2', '--measure-window', '1s,2s', '--out', out]);
  assert.equal(conv.code, 2);
  assert.match(conv.stderr, /--measure-window.*cannot be combined with conversations/);
  assert.equal(s.requests.length, sentBefore, 'nothing sent by the refused runs');
});

/** A server that generates one request at a time (the rest queue FIFO before their first token): ~60 ms each. */
async function queueServer() {
  const s = await startScriptedServer({ ttftMs: 50, itlMs: 5 }, { tokenize: true, slots: 1 });
  servers.push(s);
  return s;
}

test('--stop-when-saturated at 60/s against a one-at-a-time server (~16/s): stops early, saturated, the rest never sent', async () => {
  const s = await queueServer();
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '3', '-n', '600', '--rate', '60', '--arrival', 'constant', '--stop-when-saturated', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const sc = result.scenarios[0]!;
  assert.equal(sc.status, 'ok');
  assert.equal(sc.saturated, true);
  const at = sc.saturated_at_ms as number;
  assert.equal(typeof at, 'number');
  // Nothing is sent after the detector fired; what was sent is far short of the 600 planned (10 s at 60/s).
  assert.ok(records.length < 300, `${records.length} sent: the detection should come within 5 s of the 10 s planned`);
  assert.ok(records.every((x) => x.sent_at! <= at), 'a request was sent after saturated_at_ms');
  const last = Math.max(...records.map((x) => x.scheduled_at));
  const next = records[0]!.scheduled_at + (1000 / 60) * records.length;
  // The first request not sent was due at most a little before the detection (the client may lag its schedule on
  // a loaded machine: 500 ms of slack), so the schedule ran right up to it.
  assert.ok(last <= at && next > at - 500, `the schedule stopped at the detection: last ${last}, next ${next}, detection ${at}`);
  // In flight at the detection: the queue the server had not served; the grace (3 s) then ends them.
  const sat = sc.saturation as { inflight: { ci95: [number, number]; slope_per_s: number }; ttft_ms: { ci95: [number, number] }; window_ms: number; min_samples: number; confidence: number };
  assert.ok(sat.inflight.ci95[0] > 0 && sat.ttft_ms.ci95[0] > 0);
  assert.deepEqual([sat.window_ms, sat.min_samples, sat.confidence], [30000, 20, 0.95]);
  const warn = sc.warnings.filter((w) => w.code === 'SATURATED');
  assert.equal(warn.length, 1);
  const into = ((at - records[0]!.scheduled_at) / 1000).toFixed(1);
  assert.match(warn[0]!.message, new RegExp(`^stopped ${into.replace('.', '\\.')} s into the timed phase \\(${(at / 1000).toFixed(1).replace('.', '\\.')} s on the run clock\\): requests in flight and TTFT kept growing`));
  assert.equal(result.interrupted, false);
  const { validate } = await import('../support/json-schema.js');
  assert.deepEqual(validate(JSON.parse(readFileSync('docs/results.schema.json', 'utf8')), result), []);
});

test('--stop-when-saturated with a --concurrency 4 cap: the arrivals the cap holds back count as in flight, so it still fires', async () => {
  const s = await queueServer();
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '3', '-n', '600', '--rate', '60', '--concurrency', '4', '--arrival', 'constant', '--stop-when-saturated', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const sc = result.scenarios[0]!;
  assert.equal(sc.saturated, true);
  assert.ok(records.length < 300, String(records.length));
  // The cap held: never more than 4 requests in flight; the backlog shows as schedule lag.
  assert.ok(sc.summary.max_concurrency! <= 4);
  assert.ok(sc.metrics.schedule_lag_ms!.max! > 500, String(sc.metrics.schedule_lag_ms!.max));
  // Both series grow steeply: the backlog at ~44/s (60 offered, ~16 served), TTFT from the schedule by ~0.7 s per s.
  const sat = sc.saturation as { inflight: { slope_per_s: number }; ttft_ms: { slope_per_s: number } };
  assert.ok(sat.inflight.slope_per_s > 10, String(sat.inflight.slope_per_s));
  assert.ok(sat.ttft_ms.slope_per_s > 200, String(sat.ttft_ms.slope_per_s));
});

test('--stop-when-saturated at 4/s against the same server: not saturated, every request sent; closed loop refused', async () => {
  const s = await queueServer();
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '3', '-n', '16', '--rate', '4', '--arrival', 'constant', '--stop-when-saturated', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  const sc = result.scenarios[0]!;
  assert.deepEqual([sc.saturated, sc.saturated_at_ms, records.length, sc.summary.requests_ok], [false, null, 16, 16]);
  assert.equal(sc.warnings.some((w) => w.code === 'SATURATED'), false);

  const sentBefore = s.requests.length;
  const bad = await runCli(['run', '--target', s.url, '--concurrency', '4', '--stop-when-saturated', '--out', out]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--stop-when-saturated: applies to open loops only \(--rate or --trace\)/);
  assert.equal(s.requests.length, sentBefore);
});

test('--measure-window with shards: llmbench merge counts the same window on shard 0\'s clock', async () => {
  const s = await server({ ttftMs: 5, itlMs: 2 });
  const out = tempDir();
  const startAt = String(Date.now() + 1500);
  const plan = ['--input-tokens', '8', '--output-tokens', '3', '-n', '20', '--rate', '5', '--arrival', 'constant', '--measure-window', '1s,3s'];
  const rs = await Promise.all([0, 1].map((i) => runCli(['run', '--target', s.url, ...plan, '--shard', `${i}/2`, '--start-at', startAt, '--out', out, '--name', 'sh'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  const dirs = readdirSync(out).filter((d) => d.includes('_shard-')).sort().map((d) => join(out, d));
  // Each shard counts its own half of requests 5..14.
  assert.deepEqual(dirs.map((d) => loadRunStrict(d).result.scenarios[0]!.summary.requests_total), [5, 5]);
  const merged = join(out, 'merged');
  const m = await runCli(['merge', ...dirs, '--out', merged]);
  assert.equal(m.code, 0, m.stderr);
  const run = loadRunStrict(merged);
  const sum = run.result.scenarios[0]!.summary;
  assert.deepEqual([sum.requests_total, sum.duration_s, sum.request_throughput], [10, 2, 5]);
  // The shards started at one instant: their phase starts agree on the merged clock (within clock resolution).
  const phases = run.records.map((x) => x.phase_started_at!);
  assert.ok(Math.max(...phases) - Math.min(...phases) < 5, JSON.stringify([Math.min(...phases), Math.max(...phases)]));
});

test('--stop-when-saturated with shards: merge says saturated from the first shard\'s detection, on shard 0\'s clock', async () => {
  const s = await queueServer();
  const out = tempDir();
  const startAt = String(Date.now() + 1500);
  const plan = ['--input-tokens', '8', '--output-tokens', '3', '-n', '600', '--rate', '60', '--arrival', 'constant', '--stop-when-saturated'];
  const rs = await Promise.all([0, 1].map((i) => runCli(['run', '--target', s.url, ...plan, '--shard', `${i}/2`, '--start-at', startAt, '--out', out, '--name', 'sh'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  const shards = readdirSync(out).filter((d) => d.includes('_shard-')).sort().map((d) => loadRunStrict(join(out, d)));
  const m = await runCli(['merge', ...shards.map((x) => x.dir), '--out', join(out, 'merged')]);
  assert.equal(m.code, 0, m.stderr);
  const sc = loadRunStrict(join(out, 'merged')).result.scenarios[0]!;
  const origin0 = shards[0]!.result.clock_origin_epoch_ms as number;
  const ats = shards.filter((x) => x.result.scenarios[0]!.saturated === true).map((x) => (x.result.scenarios[0]!.saturated_at_ms as number) + (x.result.clock_origin_epoch_ms as number) - origin0);
  assert.ok(ats.length >= 1, 'at least one shard saw its share saturate');
  assert.equal(sc.saturated, true);
  assert.equal(sc.saturated_at_ms, Math.min(...ats));
  assert.deepEqual((sc.saturation as { shards: Array<{ index: number }> }).shards.map((x) => x.index), [0, 1]);
});

test('RunConfig: measureWindow and stopWhenSaturated are checked for library callers as for the flags', () => {
  const base = { target: 'http://127.0.0.1:1' };
  const where = (load: Record<string, unknown>, workload: Record<string, unknown> = {}) => runConfigProblems({ ...base, load, workload }).map((p) => `${p.where}: ${p.message}`);
  assert.deepEqual(where({ measureWindow: { startMs: 1000, endMs: 3000 }, rate: [2], stopWhenSaturated: true }), []);
  assert.deepEqual(where({ measureWindow: { startMs: 5000, endMs: 1000 } }), ['--measure-window: the end (1000 ms) must come after the start (5000 ms)']);
  assert.deepEqual(where({ measureWindow: { startMs: -1, endMs: 1000 } }), ['--measure-window: {"startMs":-1,"endMs":1000} is not a window']);
  assert.deepEqual(where({ concurrency: [4], stopWhenSaturated: true }), ['--stop-when-saturated: applies to open loops only (--rate or --trace)']);
  assert.deepEqual(where({ stopWhenSaturated: true }), ['--stop-when-saturated: applies to open loops only (--rate or --trace)']);
  assert.deepEqual(where({ rate: [2], stopWhenSaturated: false }), []);
  assert.deepEqual(where({ rate: [2], stopWhenSaturated: true }, { syntheticConversations: 2 }), ['--stop-when-saturated: cannot be combined with conversations yet']);
});
