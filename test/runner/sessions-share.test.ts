// Conversations divided whole by session among senders (--workers, --shard): the division itself, the
// renumbering of indexes into send order, and end to end against a scripted server that logs every prompt.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult } from '../../src/core/result.js';
import { type RequestRecord } from '../../src/core/record.js';
import { renumberSessionRecords, senderSessions, sessionThinkTimes } from '../../src/runner/sessions.js';
import { type LoadSpec } from '../../src/schedules/schedule.js';

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function readDir(dir: string): { result: RunResult; records: RequestRecord[] } {
  return {
    result: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult,
    records: readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RequestRecord),
  };
}

test('senderSessions: every session by exactly one sender, whole; closed loop by stream j mod N running j, j+C, ...', () => {
  const loads: LoadSpec[] = [
    { mode: 'rate', rate: 5, arrival: { kind: 'poisson' }, concurrency: null },
    { mode: 'batch' },
    { mode: 'sequential' },
    { mode: 'concurrency', concurrency: 3 },
    { mode: 'concurrency', concurrency: 8 },
  ];
  for (const load of loads) {
    for (const total of [1, 6, 7, 20]) {
      assert.deepEqual(senderSessions(total, null, load), Array.from({ length: total }, (_, i) => i));
      for (const count of [1, 2, 3, 4]) {
        const owner = new Map<number, number>();
        for (let index = 0; index < count; index++) {
          for (const s of senderSessions(total, { index, count }, load)) {
            assert.equal(owner.has(s), false, `${load.mode} ${total}/${count}: session ${s} twice`);
            owner.set(s, index);
          }
        }
        assert.deepEqual([...owner.keys()].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i), `${load.mode} ${total}/${count}`);
        for (const [s, who] of owner) {
          const want = load.mode === 'sequential' ? 0 : load.mode === 'concurrency' ? (s % load.concurrency) % count : s % count;
          assert.equal(who, want, `${load.mode} ${total}/${count}: session ${s}`);
        }
      }
    }
  }
  // --concurrency 3 over 2 senders: streams 0 and 2 (sessions 0,3,6 and 2,5) on sender 0; stream 1 (1,4) on sender 1.
  assert.deepEqual(senderSessions(7, { index: 0, count: 2 }, { mode: 'concurrency', concurrency: 3 }), [0, 2, 3, 5, 6]);
  assert.deepEqual(senderSessions(7, { index: 1, count: 2 }, { mode: 'concurrency', concurrency: 3 }), [1, 4]);
});

test('sessionThinkTimes: a pure function of (seed, repeat, session, turn), one pause between each two turns', () => {
  const exp = { kind: 'exp', ms: 100 } as const;
  const a = sessionThinkTimes(exp, 7, 0, 3, 4);
  assert.equal(a.length, 3);
  for (const x of a) assert.ok(x > 0 && Number.isFinite(x));
  // Whatever was drawn before, for whichever session: the same pauses.
  sessionThinkTimes(exp, 7, 0, 2, 4);
  assert.deepEqual(sessionThinkTimes(exp, 7, 0, 3, 4), a);
  // A longer session has the same first pauses.
  assert.deepEqual(sessionThinkTimes(exp, 7, 0, 3, 6).slice(0, 3), a);
  assert.notDeepEqual(sessionThinkTimes(exp, 7, 0, 4, 4), a);
  assert.notDeepEqual(sessionThinkTimes(exp, 7, 1, 3, 4), a);
  assert.notDeepEqual(sessionThinkTimes(exp, 8, 0, 3, 4), a);
  assert.deepEqual(sessionThinkTimes({ kind: 'fixed', ms: 250 }, 7, 0, 3, 3), [250, 250]);
  assert.deepEqual(sessionThinkTimes(null, 7, 0, 3, 3), [0, 0]);
  assert.deepEqual(sessionThinkTimes(exp, 7, 0, 3, 1), []);
});

test('renumberSessionRecords: indexes per scenario and repeat in send order, ties by session then turn', () => {
  const rec = (scenario_id: string, repeat: number, session_id: string, turn: number, sent_at: number | null, scheduled_at: number, index: number) =>
    ({ scenario_id, repeat, session_id, turn, sent_at, scheduled_at, index, warmup: false }) as unknown as RequestRecord;
  const rs = [
    rec('a', 0, 's1', 1, 10, 10, 0),
    rec('a', 0, 's0', 1, 5, 5, 0),
    rec('a', 0, 's0', 2, 20, 19, 1),
    rec('a', 0, 's2', 1, 10, 10, 1),
    rec('a', 0, 's3', 1, null, 15, 2),
    rec('a', 1, 's0', 1, 3, 3, 0),
    rec('b', 0, 's0', 1, 1, 1, 0),
  ];
  renumberSessionRecords(rs);
  assert.deepEqual(rs.map((r) => `${r.scenario_id}${r.repeat}:${r.session_id}/${r.turn}=${r.index}`), ['a0:s1/1=1', 'a0:s0/1=0', 'a0:s0/2=4', 'a0:s2/1=2', 'a0:s3/1=3', 'a1:s0/1=0', 'b0:s0/1=0']);
});

const CONV = ['--api', 'completions', '--synthetic-conversations', '6', '--turns-per-session', '3', '--turn-input-tokens', '6', '--turn-output-tokens', '4', '--concurrency', '3', '--think-time', 'exp:20ms'];

/** The completion prompts the server received since `from`. */
function prompts(s: ScriptedServer, from: number): string[] {
  return s.requests.slice(from).filter((q) => q.path === '/v1/completions').map((q) => String(q.body.prompt));
}

/** Each session's prompts (keyed by the session's first user message), in the order the server received them. */
function checkChains(ps: string[]): void {
  const bySession = new Map<string, string[]>();
  for (const p of ps) {
    const first = p.split('\n\n')[0]!;
    bySession.set(first, [...(bySession.get(first) ?? []), p]);
  }
  assert.equal(bySession.size, 6);
  for (const chain of bySession.values()) {
    // Turn k carries turns 1..k−1 and their real answers (4 forced " tok"): 6, 6+4+6, 6+4+6+4+6 words.
    assert.deepEqual(chain.map((p) => p.split(/\s+/).filter(Boolean).length), [6, 16, 26]);
    assert.ok(chain[1]!.startsWith(`${chain[0]}\n\n tok tok tok tok\n\n`), chain[1]);
    assert.ok(chain[2]!.startsWith(`${chain[1]}\n\n tok tok tok tok\n\n`), chain[2]);
  }
}

function checkRecords(records: RequestRecord[], label: string): void {
  const measured = records.filter((r) => !r.warmup);
  // Six sessions, each with turns 1, 2, 3.
  const ids = [...new Set(measured.map((r) => r.session_id!))];
  assert.equal(ids.length, 6, label);
  for (const id of ids) assert.deepEqual(measured.filter((r) => r.session_id === id).map((r) => r.turn).sort(), [1, 2, 3], `${label}: ${id}`);
  assert.equal(new Set(measured.map((r) => `${r.session_id}/${r.turn}`)).size, 18, label);
  // Indexes 0..17 each once, in send order.
  const byIndex = [...measured].sort((a, b) => a.index - b.index);
  assert.deepEqual(byIndex.map((r) => r.index), Array.from({ length: 18 }, (_, i) => i), label);
  for (let i = 1; i < 18; i++) assert.ok(byIndex[i]!.sent_at! >= byIndex[i - 1]!.sent_at!, `${label}: index ${i} sent before index ${i - 1}`);
  // Turn k of a session is sent after turn k−1 has ended (it carries its answer), scheduled the session's own
  // think time later (synthetic session sN is session N−1; --seed 0, repeat 0): at least that, and (generously, on a
  // loaded machine) not a lot more.
  for (const r of measured.filter((x) => x.turn! > 1)) {
    const prev = measured.find((x) => x.session_id === r.session_id && x.turn === r.turn! - 1)!;
    assert.ok(r.sent_at! >= prev.ended_at!, `${label}: ${r.session_id}/${r.turn} before the previous turn ended`);
    const pause = sessionThinkTimes({ kind: 'exp', ms: 20 }, 0, 0, Number(r.session_id!.slice(1)) - 1, 3)[r.turn! - 2]!;
    const gap = r.scheduled_at - prev.ended_at!;
    assert.ok(gap >= pause - 1e-6 && gap < pause + 250, `${label}: ${r.session_id}/${r.turn} scheduled ${gap} ms after the previous turn ended, think time ${pause}`);
  }
  assert.deepEqual(measured.map((r) => r.status), new Array(18).fill('ok'), label);
}

test('--workers 2 with --synthetic-conversations: the same sessions, turns and prompts as --workers 1, sessions whole', async () => {
  const s = await startScriptedServer({ itlMs: 1, piece: ' tok' }, { tokenize: true });
  servers.push(s);
  const runs: Array<{ result: RunResult; records: RequestRecord[]; prompts: string[] }> = [];
  for (const workers of [1, 2]) {
    const from = s.requests.length;
    const out = tempDir();
    const r = await runCli(['run', '--target', s.url, ...CONV, '--workers', String(workers), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const [name] = readdirSync(out);
    runs.push({ ...readDir(join(out, name!)), prompts: prompts(s, from) });
  }
  const [one, two] = runs;
  for (const [label, run] of [['workers 1', one!], ['workers 2', two!]] as const) {
    checkChains(run.prompts);
    checkRecords(run.records, label);
    const bt = run.result.scenarios[0]!.by_turn as Array<{ turn: number; requests_total: number }>;
    assert.deepEqual(bt.map((t) => [t.turn, t.requests_total]), [[1, 6], [2, 6], [3, 6]], label);
  }
  assert.deepEqual([...two!.prompts].sort(), [...one!.prompts].sort());
  assert.deepEqual(two!.records.map((r) => `${r.session_id}/${r.turn}`).sort(), one!.records.map((r) => `${r.session_id}/${r.turn}`).sort());
  // --concurrency 3 over 2 workers: streams 0 and 2 on worker 0 (sessions 0,3,2,5), stream 1 on worker 1 (1,4).
  const ws = (two!.result.scenarios[0]!.client as { workers: Array<{ requests: number }> }).workers;
  assert.deepEqual(ws.map((w) => w.requests), [12, 6]);
});

test('--shard 0/2 and 1/2 with --synthetic-conversations, then merge: every (session, turn) once, indexes 0..n-1, by_turn', async () => {
  const s = await startScriptedServer({ itlMs: 1, piece: ' tok' }, { tokenize: true });
  servers.push(s);
  const from = s.requests.length;
  const out = tempDir();
  const startAt = String(Date.now() + 3000);
  const rs = await Promise.all([0, 1].map((i) => runCli(['run', '--target', s.url, ...CONV, '--shard', `${i}/2`, '--start-at', startAt, '--out', out, '--name', 'conv'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  checkChains(prompts(s, from));
  const dirs = readdirSync(out).filter((d) => d.includes('_shard-')).sort((a, b) => Number(/_shard-(\d)/.exec(a)![1]) - Number(/_shard-(\d)/.exec(b)![1])).map((d) => join(out, d));
  assert.equal(dirs.length, 2);
  // Shard 0 runs streams 0 and 2 (4 sessions), shard 1 stream 1 (2 sessions), every turn of each.
  assert.deepEqual(dirs.map((d) => readDir(d).records.length), [12, 6]);
  const merged = join(out, 'merged');
  const m = await runCli(['merge', ...dirs, '--out', merged]);
  assert.equal(m.code, 0, m.stderr);
  const { result, records } = readDir(merged);
  checkRecords(records, 'merged');
  const scen = result.scenarios[0]!;
  assert.equal(scen.summary.requests_ok, 18);
  const bt = scen.by_turn as Array<{ turn: number; requests_total: number; input_tokens: { n: number } }>;
  assert.deepEqual(bt.map((t) => [t.turn, t.requests_total, t.input_tokens.n]), [[1, 6, 6], [2, 6, 6], [3, 6, 6]]);

  // Shard 0's folder posing as shard 1 as well: its sessions' turns sent twice, an overlap refused (exit 2).
  const fake = join(out, 'fake');
  cpSync(dirs[0]!, fake, { recursive: true });
  const fr = JSON.parse(readFileSync(join(fake, 'results.json'), 'utf8')) as RunResult & { shard: { index: number } };
  fr.shard.index = 1;
  writeFileSync(join(fake, 'results.json'), JSON.stringify(fr));
  const twice = await runCli(['merge', dirs[0]!, fake, '--out', join(out, 'bad')]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /turn 1 of session \S+ of conv6\S* \(repeat 0\) was also sent by shard 0: overlapping shards/);
});

test('--workers 2, --rate: session s arrives at the same offset as in one process, sent by worker s mod 2', async () => {
  const s = await startScriptedServer({ itlMs: 1, piece: ' tok' }, { tokenize: true });
  servers.push(s);
  const open = ['--api', 'completions', '--synthetic-conversations', '5', '--turns-per-session', '2', '--turn-input-tokens', '4', '--turn-output-tokens', '2', '--rate', '40', '--arrival', 'constant', '--think-time', 'exp:3ms'];
  const runs: Array<{ result: RunResult; records: RequestRecord[] }> = [];
  for (const workers of [1, 2]) {
    const out = tempDir();
    const r = await runCli(['run', '--target', s.url, ...open, '--workers', String(workers), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const [name] = readdirSync(out);
    runs.push(readDir(join(out, name!)));
  }
  // Each session's first turn at its scheduled arrival, offsets from the first: 0, 25, 50, 75, 100 ms (constant, 40/s).
  const arrivals = (rs: RequestRecord[]) => {
    const firsts = rs.filter((r) => r.turn === 1);
    const t0 = Math.min(...firsts.map((r) => r.scheduled_at));
    return Object.fromEntries(firsts.map((r) => [r.session_id!, Math.round((r.scheduled_at - t0) * 1000) / 1000]));
  };
  const want = { s1: 0, s2: 25, s3: 50, s4: 75, s5: 100 };
  for (const run of runs) {
    assert.deepEqual(arrivals(run.records), want);
    assert.deepEqual(run.records.map((r) => r.index).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(run.records.map((r) => `${r.session_id}/${r.turn}`).sort(), ['s1/1', 's1/2', 's2/1', 's2/2', 's3/1', 's3/2', 's4/1', 's4/2', 's5/1', 's5/2']);
  }
  // Sessions 0, 2, 4 (s1, s3, s5) on worker 0, 1 and 3 on worker 1: two turns each.
  const ws = (runs[1]!.result.scenarios[0]!.client as { workers: Array<{ requests: number }> }).workers;
  assert.deepEqual(ws.map((w) => w.requests), [6, 4]);
});

test('--shard with --batch conversations, merged: sessions s mod 2 per shard, every one at the start; clients = sessions', async () => {
  const s = await startScriptedServer({ itlMs: 1, piece: ' tok' }, { tokenize: true });
  servers.push(s);
  const out = tempDir();
  const startAt = String(Date.now() + 3000);
  const batch = ['--api', 'completions', '--synthetic-conversations', '4', '--turns-per-session', '2', '--turn-input-tokens', '4', '--turn-output-tokens', '2', '--batch'];
  const rs = await Promise.all([0, 1].map((i) => runCli(['run', '--target', s.url, ...batch, '--shard', `${i}/2`, '--start-at', startAt, '--out', out, '--name', 'cb'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  const dirs = readdirSync(out).filter((d) => d.includes('_shard-')).sort((a, b) => Number(/_shard-(\d)/.exec(a)![1]) - Number(/_shard-(\d)/.exec(b)![1])).map((d) => join(out, d));
  // Shard 0: sessions 0 and 2 (s1, s3); shard 1: 1 and 3 (s2, s4); each session's first turn at the start instant.
  const shardSessions = dirs.map((d) => [...new Set(readDir(d).records.map((r) => r.session_id))].sort());
  assert.deepEqual(shardSessions, [['s1', 's3'], ['s2', 's4']]);
  const merged = join(out, 'merged');
  const m = await runCli(['merge', ...dirs, '--out', merged]);
  assert.equal(m.code, 0, m.stderr);
  const { result, records } = readDir(merged);
  const firsts = records.filter((r) => r.turn === 1);
  assert.equal(firsts.length, 4);
  for (const r of firsts) assert.ok(Math.abs(r.scheduled_at + (result.clock_origin_epoch_ms as number) - Number(startAt)) < 1, `${r.session_id} scheduled ${r.scheduled_at}`);
  assert.deepEqual(records.map((r) => r.index).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  const sum = result.scenarios[0]!.summary;
  assert.equal(sum.requests_ok, 8);
  // The batch's clients are its 4 sessions, not its 8 requests.
  assert.equal(sum.output_tokens_per_client, (sum.output_token_throughput as number) / 4);
});
