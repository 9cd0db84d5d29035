import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parse as parseYaml } from 'yaml';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult } from '../../src/core/result.js';
import { type RequestRecord } from '../../src/core/record.js';
import { closedLoopSender, ownedIndexes, ownsArrival, parseShare, streamRequest, streamsOf } from '../../src/schedules/partition.js';
import { parseChronyTracking, parseTimedatectl } from '../../src/core/clock-sync.js';
import { parseStartAt, runConfigProblems } from '../../src/runner/config.js';
import { renderJob } from '../../src/k8s/job.js';
import { validate } from '../support/json-schema.js';

const resultsSchema = JSON.parse(readFileSync('docs/results.schema.json', 'utf8'));

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/** Folders in shard order (their names' timestamps may differ by a second). */
function byShard(dirs: string[]): string[] {
  const k = (d: string) => Number(/_shard-(\d+)-of-\d+$/.exec(d)?.[1] ?? -1);
  return [...dirs].sort((a, b) => k(a) - k(b));
}

function readRun(dir: string): { dir: string; result: RunResult; records: RequestRecord[] } {
  const result = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
  const records = readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RequestRecord);
  return { dir, result, records };
}

test('partition: open loop by index mod N, closed loop by stream, every index exactly once', () => {
  assert.deepEqual(parseShare('1/3'), { index: 1, count: 3 });
  assert.throws(() => parseShare('3/3'), /numbered 0 to 2/);
  assert.throws(() => parseShare('0/0'), /at least 1/);
  assert.throws(() => parseShare('a/3'), /not I\/N/);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].filter((i) => ownsArrival(i, { index: 1, count: 3 })), [1, 4]);
  assert.deepEqual(ownedIndexes(10, { index: 2, count: 3 }, null), [2, 5, 8]);
  // 5 streams over 2 senders: streams 0, 2, 4 and 1, 3; stream 2 sends 2, 7, 12, ...
  assert.deepEqual(streamsOf(5, { index: 0, count: 2 }), [0, 2, 4]);
  assert.deepEqual(streamsOf(5, { index: 1, count: 2 }), [1, 3]);
  assert.deepEqual([0, 1, 2].map((k) => streamRequest(2, 5, k)), [2, 7, 12]);
  assert.equal(closedLoopSender(7, 5, 2), 0);
  assert.deepEqual(ownedIndexes(12, { index: 1, count: 2 }, 5), [1, 3, 6, 8, 11]);
  // Fewer streams than senders: the extra senders have nothing.
  assert.deepEqual(streamsOf(1, { index: 1, count: 3 }), []);
  for (const streams of [null, 1, 4, 7]) {
    const all = [0, 1, 2].flatMap((index) => ownedIndexes(20, { index, count: 3 }, streams)).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => i), `streams ${streams}`);
  }
});

test('--start-at: ISO 8601 with a zone or epoch ms; the lead time bounds how late it may be', () => {
  assert.equal(parseStartAt('2026-12-03T10:00:00Z'), Date.UTC(2026, 11, 3, 10));
  assert.equal(parseStartAt('2026-12-03T11:00:00+01:00'), Date.UTC(2026, 11, 3, 10));
  assert.equal(parseStartAt('1796292000000'), 1796292000000);
  assert.throws(() => parseStartAt('2026-12-03T10:00:00'), /time zone/);
  assert.throws(() => parseStartAt('tomorrow'), /ISO 8601/);
  const now = Date.UTC(2026, 11, 3, 10);
  const base = { target: 'http://127.0.0.1:1', shard: { index: 0, count: 3 } };
  assert.deepEqual(runConfigProblems({ ...base, startAt: now - 59_000 }, now), []);
  assert.deepEqual(runConfigProblems({ ...base, startAt: now - 61_000 }, now).map((p) => p.where), ['--start-at']);
  assert.deepEqual(runConfigProblems({ ...base, startAt: now - 61_000, leadTimeMs: 120_000 }, now), []);
  assert.deepEqual(runConfigProblems({ ...base }, now).map((p) => p.message), ['needs --start-at']);
  assert.deepEqual(runConfigProblems({ shard: { index: 0, count: 2 }, startAt: now }, now).map((p) => p.message), ['applies to server targets only']);
});

test('bad --shard and a --start-at past the lead time are usage errors before anything is sent', async () => {
  const s = await startScriptedServer({ ttftMs: 1, itlMs: 1 });
  servers.push(s);
  const out = tempDir();
  const cases: Array<[string[], RegExp]> = [
    [['--shard', '3/3', '--start-at', String(Date.now() + 5000)], /--shard: 3\/3: shards are numbered 0 to 2/],
    [['--shard', '0/3', '--start-at', new Date(Date.now() - 120_000).toISOString()], /--start-at: .* s in the past, more than the lead time \(60 s\)/],
    [['--shard', '0/3'], /--shard: needs --start-at/],
    [['--shard', 'x'], /--shard: 'x' is not I\/N/],
  ];
  for (const [args, want] of cases) {
    const r = await runCli(['run', '--target', s.url, '--requests', '2', '--out', out, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, want);
  }
  assert.equal(s.requests.length, 0);
  assert.deepEqual(readdirSync(out), []);
});

test('clock sync: chronyc tracking gives an error bound, timedatectl only whether synchronised', () => {
  const chrony = [
    'Reference ID    : C0A80001 (192.168.0.1)',
    'Stratum         : 3',
    'System time     : 0.000150000 seconds slow of NTP time',
    'Last offset     : -0.000012 seconds',
    'Root delay      : 0.002000000 seconds',
    'Root dispersion : 0.000500000 seconds',
    'Leap status     : Normal',
  ].join('\n');
  const c = parseChronyTracking(chrony)!;
  assert.equal(c.source, 'chronyc');
  assert.equal(c.synchronized, true);
  assert.ok(Math.abs(c.offset_ms! - -0.15) < 1e-9);
  assert.ok(Math.abs(c.estimated_error_ms! - 1.65) < 1e-9, String(c.estimated_error_ms));
  assert.deepEqual(parseChronyTracking(chrony.replace('Normal', 'Not synchronised')), { source: 'chronyc', synchronized: false, estimated_error_ms: null, offset_ms: -0.15 });
  assert.equal(parseChronyTracking('506 Cannot talk to daemon'), null);
  assert.deepEqual(parseTimedatectl('Timezone=UTC\nNTPSynchronized=no\n'), { source: 'timedatectl', synchronized: false, estimated_error_ms: null, offset_ms: null });
  assert.equal(parseTimedatectl(''), null);
});

/** Runs `n` shards in this process against `url`, all from one start instant; returns their folders. */
async function runShards(url: string, out: string, n: number, args: string[]): Promise<string[]> {
  const startAt = String(Date.now() + 1500);
  const rs = await Promise.all(Array.from({ length: n }, (_, i) => runCli(['run', '--target', url, ...args, '--shard', `${i}/${n}`, '--start-at', startAt, '--out', out, '--name', 'sh'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  return byShard(readdirSync(out).filter((d) => d.includes('_shard-')).map((d) => join(out, d)));
}

test('shards in one process: folders named by shard, merged onto one clock and summarised from all records', async () => {
  const s = await startScriptedServer({ ttftMs: 20, itlMs: 5, tokens: 4 });
  servers.push(s);
  const out = tempDir();
  const plan = ['--rate', '20', '--arrival', 'constant', '--requests', '9', '--output-tokens', '4', '--input-tokens', '8', '--seed', '7'];
  const dirs = await runShards(s.url, out, 3, plan);
  assert.deepEqual(dirs.map((d) => /_shard-(\d)-of-3$/.exec(d)?.[1]), ['0', '1', '2']);
  const shard1 = readRun(dirs[1]!);
  assert.deepEqual(shard1.result.shard, { index: 1, count: 3 });
  assert.deepEqual(shard1.records.map((r) => r.index).sort(), [1, 4, 7]);
  assert.equal(typeof shard1.result.clock_origin_epoch_ms, 'number');
  assert.ok('clock_sync' in shard1.result.environment);
  assert.equal(shard1.result.start_at !== undefined, true);
  assert.deepEqual(validate(resultsSchema, shard1.result), []);

  const merged = join(out, 'merged');
  const r = await runCli(['merge', ...dirs, '--out', merged]);
  assert.equal(r.code, 0, r.stderr);
  const m = readRun(merged);
  assert.deepEqual(m.records.map((x) => x.index), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  // Constant arrivals at 20/s from one instant: on one clock, request i is scheduled 50 ms after request i-1.
  for (let i = 1; i < 9; i++) assert.ok(Math.abs(m.records[i]!.scheduled_at - m.records[i - 1]!.scheduled_at - 50) < 1, `gap before ${i}`);
  // ... and request 0 (constant arrivals start at offset 0) at the --start-at instant itself.
  const startAt = Date.parse(m.result.start_at as string);
  assert.ok(Math.abs(m.records[0]!.scheduled_at + (m.result.clock_origin_epoch_ms as number) - startAt) < 1, `request 0 at ${m.records[0]!.scheduled_at + (m.result.clock_origin_epoch_ms as number) - startAt} ms from the start instant`);
  const sc = m.result.scenarios[0]!;
  assert.equal(sc.summary.requests_ok, 9);
  assert.equal(sc.metrics.ttft_ms!.n, 9);
  assert.equal(sc.metrics.itl_ms!.n, 27);
  // duration_s over the merged records: earliest send to latest completion.
  const first = Math.min(...m.records.map((x) => x.sent_at!));
  const last = Math.max(...m.records.map((x) => x.completed_at!));
  assert.ok(Math.abs(sc.summary.duration_s! - (last - first) / 1000) < 1e-9);
  const client = sc.client as { shards: Array<{ index: number; host: string | null }> };
  assert.deepEqual(client.shards.map((c) => c.index), [0, 1, 2]);
  assert.equal((m.result.merged_from as unknown[]).length, 3);
  assert.deepEqual(validate(resultsSchema, m.result), []);
  assert.equal(m.result.shard, undefined);
  assert.equal((m.result.config as { shard?: unknown }).shard, undefined);
});

test('later scenarios start together through the barrier; a closed loop divides its streams', async () => {
  const s = await startScriptedServer({ ttftMs: 5, itlMs: 2, tokens: 3 });
  servers.push(s);
  const out = tempDir();
  const dirs = await runShards(s.url, out, 2, ['--rate', '20,40', '--arrival', 'constant', '--requests', '6', '--output-tokens', '3', '--input-tokens', '8']);
  const merged = join(out, 'merged');
  assert.equal((await runCli(['merge', ...dirs, '--out', merged])).code, 0);
  const m = readRun(merged);
  for (const [id, gap] of [['in8_out3_r20', 50], ['in8_out3_r40', 25]] as const) {
    const rs = m.records.filter((r) => r.scenario_id === id);
    assert.deepEqual(rs.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
    // Both shards' second scenario started at the barrier's one instant: the arrivals interleave exactly.
    for (let i = 1; i < 6; i++) assert.ok(Math.abs(rs[i]!.scheduled_at - rs[i - 1]!.scheduled_at - gap) < 1, `${id} gap before ${i}: ${rs[i]!.scheduled_at - rs[i - 1]!.scheduled_at}`);
  }
  assert.deepEqual(readdirSync(join(out, '.llmbench-barrier')).length, 1);

  const closed = tempDir();
  const cdirs = await runShards(s.url, closed, 2, ['-c', '3', '--requests', '8', '--output-tokens', '3', '--input-tokens', '8']);
  // Streams 0 and 2 on shard 0 (requests 0, 3, 6 and 2, 5), stream 1 on shard 1 (1, 4, 7).
  assert.deepEqual(readRun(cdirs[0]!).records.map((r) => r.index).sort(), [0, 2, 3, 5, 6]);
  assert.deepEqual(readRun(cdirs[1]!).records.map((r) => r.index).sort(), [1, 4, 7]);
  const cm = join(closed, 'merged');
  assert.equal((await runCli(['merge', ...cdirs, '--out', cm])).code, 0);
  const c = readRun(cm);
  assert.deepEqual(c.records.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(c.result.scenarios[0]!.summary.requests_ok, 8);
  assert.ok(c.result.scenarios[0]!.summary.max_concurrency! <= 3);

  // One stream (sequential) over two shards: shard 1 has no share, and says so.
  const seq = tempDir();
  const sdirs = await runShards(s.url, seq, 2, ['--requests', '3', '--output-tokens', '3', '--input-tokens', '8']);
  assert.deepEqual(readRun(sdirs[0]!).records.map((r) => r.index), [0, 1, 2]);
  const idle = readRun(sdirs[1]!).result.scenarios[0]!;
  assert.equal(idle.summary.requests_total, 0);
  assert.deepEqual(idle.warnings.filter((w) => w.code.startsWith('SHARD')).map((w) => w.message), ['this shard has no share of sequential (one request at a time): 1 stream divided among 2 shards']);
});

test('merge refuses a missing shard, overlapping shards, different plans and non-shard folders (exit 2)', async () => {
  const s = await startScriptedServer({ ttftMs: 1, itlMs: 1, tokens: 2 });
  servers.push(s);
  const out = tempDir();
  const dirs = await runShards(s.url, out, 3, ['--rate', '50', '--arrival', 'constant', '--requests', '6', '--output-tokens', '2', '--input-tokens', '8']);
  const other = tempDir();
  const otherDirs = await runShards(s.url, other, 3, ['--rate', '50', '--arrival', 'constant', '--requests', '6', '--output-tokens', '3', '--input-tokens', '8']);
  const plain = tempDir();
  assert.equal((await runCli(['run', '--target', s.url, '--requests', '1', '--output-tokens', '2', '--input-tokens', '8', '--out', plain])).code, 0);
  const cases: Array<[string[], RegExp]> = [
    [[dirs[0]!, dirs[2]!], /shard 1\/3 missing \(2 of 3 given\)/],
    [[dirs[0]!, dirs[1]!, dirs[1]!, dirs[2]!], /overlapping shards: shard 1\/3 appears 2 times/],
    [[dirs[0]!, otherDirs[1]!, dirs[2]!], /is a different plan from .* \(workload differ\)/],
    [[dirs[0]!, join(plain, readdirSync(plain)[0]!)], /is not a shard/],
  ];
  for (const [args, want] of cases) {
    const target = join(out, `m${Math.random()}`);
    const r = await runCli(['merge', ...args, '--out', target]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, want);
  }
  // A shard folder whose records overlap another's (the same index twice) is refused too.
  const fake = join(out, 'fake');
  mkdirSync(fake);
  const s2 = readRun(dirs[2]!);
  writeFileSync(join(fake, 'results.json'), JSON.stringify({ ...s2.result, shard: { index: 1, count: 3 } }));
  writeFileSync(join(fake, 'requests.jsonl'), s2.records.map((x) => JSON.stringify(x)).join('\n'));
  const r = await runCli(['merge', dirs[0]!, fake, dirs[2]!, '--out', join(out, 'm-fake')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /request 2 of \S+ \(repeat 0\) was also sent by shard 1: overlapping shards/);
});

test('k8s job: an Indexed Job that validates with kubernetes-models; bad input is a usage error', async () => {
  const job = renderJob({ shards: 3, image: 'registry.example/llmbench:0.1', namespace: 'bench', resultsPvc: 'llmbench-results', startAtEpoch: Date.UTC(2026, 11, 3, 10, 15), runArgs: ['--target', 'http://vllm:8000', '--rate', '30'] });
  new Job(job as unknown as ConstructorParameters<typeof Job>[0]).validate();
  const r = await runCli(['k8s', 'job', '--shards', '3', '--image', 'img:1', '--results-pvc', 'res', '--namespace', 'bench', '--start-in', '90s', '--', 'run', '--target', 'http://vllm:8000', '--rate', '30', '--duration', '5m']);
  assert.equal(r.code, 0, r.stderr);
  const y = parseYaml(r.stdout) as { spec: Record<string, unknown> & { template: { spec: { restartPolicy: string; containers: Array<{ args: string[]; image: string }>; volumes: unknown[] } } }; metadata: { namespace: string } };
  new Job(y as unknown as ConstructorParameters<typeof Job>[0]).validate();
  assert.equal(y.spec.completionMode, 'Indexed');
  assert.equal(y.spec.completions, 3);
  assert.equal(y.spec.parallelism, 3);
  assert.equal(y.spec.backoffLimit, 0);
  assert.equal(y.metadata.namespace, 'bench');
  const pod = y.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  const args = pod.containers[0]!.args;
  assert.deepEqual(args.slice(0, 7), ['run', '--target', 'http://vllm:8000', '--rate', '30', '--duration', '5m']);
  assert.equal(args[args.indexOf('--shard') + 1], '$(JOB_COMPLETION_INDEX)/3');
  const startAt = Date.parse(args[args.indexOf('--start-at') + 1]!);
  assert.ok(Math.abs(startAt - (Date.now() + 90_000)) < 30_000);
  assert.deepEqual(pod.volumes, [{ name: 'results', persistentVolumeClaim: { claimName: 'res' } }]);
  const json = await runCli(['k8s', 'job', '--shards', '2', '--image', 'img:1', '--format', 'json', '--', 'run', '--target', 'http://vllm:8000']);
  assert.equal(json.code, 0, json.stderr);
  new Job(JSON.parse(json.stdout)).validate();
  for (const [argv, want] of [
    [['k8s', 'job', '--image', 'img', '--', 'run', '--target', 'http://x:1'], /--shards: missing/],
    [['k8s', 'job', '--shards', '2', '--', 'run', '--target', 'http://x:1'], /--image: missing/],
    [['k8s', 'job', '--shards', '2', '--image', 'i'], /needs `-- run ARGS...`/],
    [['k8s', 'job', '--shards', '2', '--image', 'i', '--', 'run', '--target', 'http://x:1', '--out', 'r'], /--out: is set by the Job/],
    [['k8s', 'job', '--shards', '2', '--image', 'i', '--', 'run', '--target', 'http://x:1', '--rate', '0'], /--rate: 0 must be greater than 0/],
    [['k8s', 'job', '--shards', '0', '--image', 'i', '--', 'run', '--target', 'http://x:1'], /--shards/],
  ] as Array<[string[], RegExp]>) {
    const x = await runCli(argv);
    assert.equal(x.code, 2, `${argv.join(' ')}: ${x.stderr}`);
    assert.match(x.stderr, want);
  }
});
