import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult } from '../../src/core/result.js';
import { type RequestRecord } from '../../src/core/record.js';
import { summarizeScenario } from '../../src/metrics/summarize.js';
import { ownedIndexes } from '../../src/schedules/partition.js';
import { resolveWorkers, runConfigProblems } from '../../src/runner/config.js';
import { workerShare } from '../../src/runner/workers.js';
import { validate } from '../support/json-schema.js';
import { interruptAfterRecords } from '../support/run-folder.js';
import { epochNow, RunClock } from '../../src/core/clock.js';

const resultsSchema = JSON.parse(readFileSync('docs/results.schema.json', 'utf8'));
const TTFT = 40;
const ITL = 15;
const OUT = 5;

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function readRun(out: string): { dir: string; result: RunResult; records: RequestRecord[] } {
  const [name] = readdirSync(out);
  const dir = join(out, name!);
  const result = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
  const records = readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RequestRecord);
  return { dir, result, records };
}

/** index → the prompt the server received for it (from x-request-id, llmbench-<scenario>-<repeat>-<index>). */
function promptsByIndex(s: ScriptedServer, from: number): Map<number, string> {
  const m = new Map<number, string>();
  for (const q of s.requests.slice(from)) {
    if (q.path !== '/v1/chat/completions' || q.body.max_tokens !== OUT) continue;
    const id = String(q.headers['x-request-id']);
    const index = Number(/-(\d+)$/.exec(id)![1]);
    assert.ok(!m.has(index), `index ${index} sent twice`);
    m.set(index, JSON.stringify(q.body.messages));
  }
  return m;
}

interface Pids {
  pids: number[];
}

async function runWith(s: ScriptedServer, workers: number, load: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string; result: RunResult; records: RequestRecord[]; prompts: Map<number, string> } & Pids> {
  const from = s.requests.length;
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--output-tokens', String(OUT), '--input-tokens', '16', '--workers', String(workers), '--out', out, ...load], { env });
  const run = readRun(out);
  const pids = ((run.result.scenarios[0]?.client as { workers?: Array<{ pid: number }> } | undefined)?.workers ?? []).map((w) => w.pid);
  return { code: r.code, stderr: r.stderr, ...run, prompts: promptsByIndex(s, from), pids };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The per-request figures that depend only on what was sent and the server's script. */
function exactFigures(rs: RequestRecord[]) {
  return rs
    .filter((r) => !r.warmup)
    .map((r) => ({ index: r.index, status: r.status, output_tokens: r.output_tokens, input_tokens: r.input_tokens }))
    .sort((a, b) => a.index - b.index);
}

function checkTimings(rs: RequestRecord[], label: string): void {
  // The server waits TTFT, then ITL per further token: a client can only measure more, and (generously, on a
  // loaded machine) not a lot more.
  for (const r of rs) {
    assert.ok(r.ttft_ms! >= TTFT - 1 && r.ttft_ms! < TTFT + 1000, `${label} ttft ${r.ttft_ms}`);
    assert.ok(r.tpot_ms! >= ITL - 1 && r.tpot_ms! < ITL + 500, `${label} tpot ${r.tpot_ms}`);
    assert.ok(r.e2e_ms! >= TTFT + (OUT - 1) * ITL - 1, `${label} e2e ${r.e2e_ms}`);
  }
}

function checkSameAsOneProcess(one: Awaited<ReturnType<typeof runWith>>, two: Awaited<ReturnType<typeof runWith>>, total: number, concurrency: number | null): void {
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  // The same indexes, each once, with the same prompts.
  assert.deepEqual([...two.prompts.keys()].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i));
  assert.deepEqual(new Map([...two.prompts].sort((a, b) => a[0] - b[0])), new Map([...one.prompts].sort((a, b) => a[0] - b[0])));
  assert.deepEqual(exactFigures(two.records), exactFigures(one.records));
  assert.equal(exactFigures(two.records).length, total);
  const s1 = one.result.scenarios[0]!;
  const s2 = two.result.scenarios[0]!;
  assert.equal(s2.status, 'ok');
  assert.equal(s2.summary.requests_ok, total);
  assert.equal(s2.summary.requests_failed, s1.summary.requests_failed);
  const outTokens = (rs: RequestRecord[]) => rs.reduce((a, r) => a + (r.output_tokens ?? 0), 0);
  assert.equal(outTokens(two.records), total * OUT);
  assert.equal(outTokens(one.records), total * OUT);
  checkTimings(one.records, 'workers 1');
  checkTimings(two.records, 'workers 2');
  // The parent summarises the records it received with the same code as one process: results.json's metrics are
  // exactly those of requests.jsonl.
  const again = summarizeScenario(two.records, { percentiles: [], slo: null, concurrency });
  assert.deepEqual(s2.summary.output_tokens_per_client, JSON.parse(JSON.stringify(again.summary.output_tokens_per_client)));
  assert.deepEqual(s2.metrics, JSON.parse(JSON.stringify(again.metrics)));
  // One process: no workers list. Two: one entry each, whose requests add up.
  assert.equal((s1.client as Record<string, unknown>).workers, undefined);
  const ws = (s2.client as { workers: Array<{ worker: number; pid: number; requests: number; cpu_s: number; event_loop_delay_p99_ms: number | null }> }).workers;
  assert.deepEqual(ws.map((w) => w.worker), [0, 1]);
  assert.equal(ws[0]!.requests + ws[1]!.requests, total);
  for (const w of ws) {
    assert.ok(w.cpu_s > 0, `cpu_s ${w.cpu_s}`);
    assert.ok(Number.isInteger(w.pid) && w.pid !== process.pid);
  }
  validate(resultsSchema, two.result);
  for (const pid of two.pids) assert.equal(alive(pid), false, `worker pid ${pid} still running`);
}

test('--workers 2, closed loop: the same indexes, prompts and figures as one process; streams divided', async () => {
  const s = await startScriptedServer({ ttftMs: TTFT, itlMs: ITL });
  servers.push(s);
  const load = ['--concurrency', '4', '--requests', '12'];
  const one = await runWith(s, 1, load);
  const two = await runWith(s, 2, load);
  checkSameAsOneProcess(one, two, 12, 4);
  // Streams 0, 2 to worker 0 and 1, 3 to worker 1: each sends the indexes of its streams.
  const ws = (two.result.scenarios[0]!.client as { workers: Array<{ requests: number }> }).workers;
  assert.deepEqual(ws.map((w) => w.requests), [ownedIndexes(12, { index: 0, count: 2 }, 4).length, ownedIndexes(12, { index: 1, count: 2 }, 4).length]);
});

test('--workers 2, open loop: the same arrival times (exactly, on the parent clock) as one process', async () => {
  const s = await startScriptedServer({ ttftMs: TTFT, itlMs: ITL });
  servers.push(s);
  const load = ['--rate', '20', '--arrival', 'constant', '--requests', '10'];
  const one = await runWith(s, 1, load);
  const two = await runWith(s, 2, load);
  checkSameAsOneProcess(one, two, 10, null);
  const offsets = (rs: RequestRecord[]) => {
    const sorted = [...rs].sort((a, b) => a.index - b.index);
    return sorted.map((r) => Math.round((r.scheduled_at - sorted[0]!.scheduled_at) * 1000) / 1000);
  };
  // Constant arrivals at 20/s: every 50 ms, whichever worker sends it.
  assert.deepEqual(offsets(two.records), Array.from({ length: 10 }, (_, i) => i * 50));
  assert.deepEqual(offsets(two.records), offsets(one.records));
  // Never sent before its scheduled time (a loaded machine may send late: the upper bound is generous).
  for (const r of two.records) assert.ok(r.sent_at! >= r.scheduled_at - 0.001 && r.sent_at! - r.scheduled_at < 1000, `lag ${r.sent_at! - r.scheduled_at}`);
  // Each worker's clock has the parent's zero: the first token a worker recorded is never before the server (in
  // this process, on the parent's clock too) wrote it, and the timestamps are on one clock (not seconds apart).
  const originMono = (two.result.clock_origin_epoch_ms as number) - performance.timeOrigin;
  for (const r of two.records) {
    const written = s.writes.get(`llmbench-${r.scenario_id}-${r.repeat}-${r.index}`)![0]! - originMono;
    assert.ok(r.first_token_at! >= written - 1 && r.first_token_at! - written < 1000, `request ${r.index}: first token recorded at ${r.first_token_at}, written at ${written}`);
  }
  const ws = (two.result.scenarios[0]!.client as { workers: Array<{ requests: number }> }).workers;
  assert.deepEqual(ws.map((w) => w.requests), [5, 5]);
});

test('a killed worker fails the scenario with LLMBENCH_WORKER_FAILED, keeps its records, leaves nothing running', async () => {
  const s = await startScriptedServer({ ttftMs: TTFT, itlMs: ITL });
  servers.push(s);
  // TEST ONLY hook (src/runner/worker-main.ts): worker 1 kills itself with SIGKILL after its 2nd record.
  const r = await runWith(s, 2, ['--concurrency', '4', '--requests', '40'], { LLMBENCH_TEST_KILL_WORKER: '1:2' });
  assert.equal(r.code, 4, r.stderr);
  const scen = r.result.scenarios[0]!;
  assert.equal(scen.status, 'failed');
  assert.equal(scen.error!.code, 'LLMBENCH_WORKER_FAILED');
  assert.match(scen.error!.message, /^worker 1 \(pid \d+\) was killed by SIGKILL during the scenario; the records it sent before are kept$/);
  const ws = (scen.client as { workers: Array<{ requests: number; cpu_s: number | null }> }).workers;
  assert.equal(ws[1]!.requests, 2);
  assert.equal(ws[1]!.cpu_s, null);
  // Worker 0 finished its whole share (streams 0 and 2: 20 requests); worker 1's two records are kept.
  assert.equal(ws[0]!.requests, 20);
  const sentBy1 = r.records.filter((x) => [1, 3].includes(x.index % 4));
  assert.equal(sentBy1.length, 2);
  assert.equal(r.records.length, 22);
  assert.equal(scen.summary.requests_ok, 22);
  for (const pid of r.pids) assert.equal(alive(pid), false, `worker pid ${pid} still running`);
});

test('--workers usage errors: exit 2 before anything is sent', async () => {
  const s = await startScriptedServer({ ttftMs: 1, itlMs: 1 });
  servers.push(s);
  const out = tempDir();
  const cases: Array<[string[], RegExp]> = [
    [['--target', s.url, '--workers', '0'], /--workers: '0' is not a whole number ≥ 1 nor auto/],
    [['--target', s.url, '--workers', '1.5'], /--workers: '1.5' is not a whole number ≥ 1 nor auto/],
    [['--workers', '2'], /--workers: applies to server targets only/],
    [['--target', s.url, '--workers', '2', '--rate', '5', '--stop-when-saturated'], /--workers: cannot be combined with --stop-when-saturated yet/],
  ];
  for (const [args, want] of cases) {
    const r = await runCli(['run', '--requests', '2', '--out', out, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, want);
  }
  assert.equal(s.requests.length, 0);
  assert.deepEqual(readdirSync(out), []);
});

test('worker shares: W workers divide the process share; under --shard I/N a sub-share of the shard', () => {
  assert.deepEqual(workerShare(1, 3, null), { index: 1, count: 3 });
  assert.deepEqual(workerShare(1, 3, { index: 2, count: 4 }), { index: 6, count: 12 });
  // Open loop and closed loop: shard 1 of 2, split over 3 workers, sends exactly the shard's indexes, each once.
  for (const streams of [null, 4, 12]) {
    const shard = { index: 1, count: 2 };
    const byWorkers = [0, 1, 2].flatMap((w) => ownedIndexes(40, workerShare(w, 3, shard), streams)).sort((a, b) => a - b);
    assert.deepEqual(byWorkers, ownedIndexes(40, shard, streams), `streams ${streams}`);
  }
  assert.equal(resolveWorkers('auto', 16), 15);
  assert.equal(resolveWorkers('auto', 1), 1);
  assert.equal(resolveWorkers(undefined, 8), 1);
  assert.deepEqual(runConfigProblems({ target: 'http://127.0.0.1:1', workers: 'auto' }), []);
  assert.deepEqual(runConfigProblems({ target: 'http://127.0.0.1:1', workers: 0 }).map((p) => p.where), ['--workers']);
});

test('Ctrl-C with --workers: the parent stops every worker, keeps each record received, and nothing is left running', async () => {
  const s = await startScriptedServer({ ttftMs: TTFT, itlMs: 20 });
  servers.push(s);
  const out = tempDir();
  const ac = new AbortController();
  const watcher = interruptAfterRecords(out, 4, ac);
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '10', '--concurrency', '4', '--duration', '20s', '--workers', '2', '--out', out], { signal: ac.signal });
  await watcher;
  assert.equal(r.code, 130, r.stderr);
  const { result, records } = readRun(out);
  assert.equal(result.interrupted, true);
  const scen = result.scenarios[0]!;
  assert.equal(scen.status, 'interrupted');
  assert.ok(records.length >= 4 && records.length < 200, `${records.length} records`);
  assert.equal(scen.summary.requests_total, records.length);
  const ws = (scen.client as { workers: Array<{ pid: number; requests: number }> }).workers;
  assert.equal(ws.length, 2);
  assert.equal(ws[0]!.requests + ws[1]!.requests, records.length);
  for (const w of ws) assert.equal(alive(w.pid), false, `worker pid ${w.pid} still running`);
});

test('--shard with --workers: each shard divides its share among its workers; merged, one schedule from the start instant', async () => {
  const s = await startScriptedServer({ ttftMs: 5, itlMs: 2, tokens: 3 });
  servers.push(s);
  const out = tempDir();
  const startAt = String(Date.now() + 2500);
  const plan = ['--rate', '20,40', '--arrival', 'constant', '--requests', '8', '--output-tokens', '3', '--input-tokens', '8'];
  const rs = await Promise.all([0, 1].map((i) => runCli(['run', '--target', s.url, ...plan, '--workers', '2', '--shard', `${i}/2`, '--start-at', startAt, '--out', out, '--name', 'sw'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  const dirs = readdirSync(out).filter((d) => d.includes('_shard-')).sort((a, b) => Number(/_shard-(\d)/.exec(a)![1]) - Number(/_shard-(\d)/.exec(b)![1])).map((d) => join(out, d));
  assert.equal(dirs.length, 2);
  for (const [i, d] of dirs.entries()) {
    const result = JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')) as RunResult;
    for (const scen of result.scenarios) {
      // Shard i of 2, worker w of 2: share {i + 2w, 4}, two of the 8 arrivals each.
      const ws = (scen.client as { workers: Array<{ requests: number }> }).workers;
      assert.deepEqual(ws.map((w) => w.requests), [0, 1].map((w) => ownedIndexes(8, workerShare(w, 2, { index: i, count: 2 }), null).length));
      assert.deepEqual(ws.map((w) => w.requests), [2, 2]);
    }
  }
  const merged = join(out, 'merged');
  const m = await runCli(['merge', ...dirs, '--out', merged]);
  assert.equal(m.code, 0, m.stderr);
  const result = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')) as RunResult;
  const records = readFileSync(join(merged, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord);
  for (const [id, gap] of [['in8_out3_r20', 50], ['in8_out3_r40', 25]] as const) {
    const sc = records.filter((r) => r.scenario_id === id).sort((a, b) => a.index - b.index);
    assert.deepEqual(sc.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
    // Four processes (2 shards × 2 workers) sent them, on one schedule: the arrivals interleave exactly.
    for (let i = 1; i < 8; i++) assert.ok(Math.abs(sc[i]!.scheduled_at - sc[i - 1]!.scheduled_at - gap) < 1, `${id} gap before ${i}: ${sc[i]!.scheduled_at - sc[i - 1]!.scheduled_at}`);
  }
  // The first scenario's request 0 at the --start-at instant itself, on the merged clock.
  const first = records.find((r) => r.scenario_id === 'in8_out3_r20' && r.index === 0)!;
  assert.ok(Math.abs(first.scheduled_at + (result.clock_origin_epoch_ms as number) - Number(startAt)) < 1);
  assert.equal(result.scenarios.every((x) => x.status === 'ok'), true);
});

test('RunClock.sharing: a clock on another clock\'s zero reads the same time', () => {
  const parent = new RunClock();
  const worker = RunClock.sharing(parent.originEpoch);
  assert.equal(worker.originEpoch, parent.originEpoch);
  assert.equal(worker.fromEpoch(parent.originEpoch + 1234), 1234);
  // Read one after the other: the second reading is never earlier, and (same process) within a few ms.
  const a = parent.now();
  const b = worker.now();
  const c = parent.now();
  assert.ok(b >= a - 1e-6 && b <= c + 1e-6, `${a} ≤ ${b} ≤ ${c}`);
  const e = epochNow();
  assert.ok(Math.abs(worker.now() - (e - parent.originEpoch)) < 5);
});
