/**
 * Three shards as three processes, each in its own network namespace with its own address, loading one scripted
 * server; merged, they must be the single-process run of the same plan: every index once, each scheduled time
 * within 5 ms. The namespaces, veth pairs and bridge are the test's own (198.18.0.0/15, the range reserved for
 * benchmark tests, RFC 2544) and are removed in `after`, whatever happened. It skips only when creating a
 * namespace is refused (EPERM: not root, or no CAP_SYS_ADMIN), and says so.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RequestRecord } from '../../src/core/record.js';
import { type RunResult } from '../../src/core/result.js';

const SHARDS = 3;
const tag = String(process.pid % 1_000_000);
const subnet = `198.18.${process.pid % 256}`;
const bridge = `lbr${tag}`;
const ns = (k: number) => `llmb${tag}-${k}`;
const hostVeth = (k: number) => `lv${tag}h${k}`;
const nsVeth = (k: number) => `lv${tag}n${k}`;
const nsAddr = (k: number) => `${subnet}.${11 + k}`;
const bridgeAddr = `${subnet}.1`;

const made: Array<() => void> = [];
const children: ChildProcess[] = [];
let server: ScriptedServer | null = null;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

after(async () => {
  for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
  await server?.close();
  // In reverse order of creation; each step is tried even if an earlier one failed.
  for (const undo of made.reverse()) {
    try {
      undo();
    } catch {
      // already gone (a namespace's veth end goes with it)
    }
  }
});

/** Creates the namespaces and their network; returns a reason to skip, or null. */
function setUp(): string | null {
  try {
    ip('netns', 'add', ns(0));
  } catch (e) {
    const msg = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message);
    if (/Operation not permitted|EPERM/.test(msg)) return `creating a network namespace was refused (EPERM: ${msg.trim()}); this test needs root or CAP_SYS_ADMIN`;
    throw e;
  }
  made.push(() => ip('netns', 'del', ns(0)));
  ip('link', 'add', bridge, 'type', 'bridge');
  made.push(() => ip('link', 'del', bridge));
  ip('addr', 'add', `${bridgeAddr}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  for (let k = 0; k < SHARDS; k++) {
    if (k > 0) {
      ip('netns', 'add', ns(k));
      made.push(() => ip('netns', 'del', ns(k)));
    }
    ip('link', 'add', hostVeth(k), 'type', 'veth', 'peer', 'name', nsVeth(k));
    made.push(() => ip('link', 'del', hostVeth(k)));
    ip('link', 'set', hostVeth(k), 'master', bridge, 'up');
    ip('link', 'set', nsVeth(k), 'netns', ns(k));
    ip('-n', ns(k), 'addr', 'add', `${nsAddr(k)}/24`, 'dev', nsVeth(k));
    ip('-n', ns(k), 'link', 'set', nsVeth(k), 'up');
    ip('-n', ns(k), 'link', 'set', 'lo', 'up');
  }
  return null;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(c);
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    c.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Folders in shard order (their names' timestamps may differ by a second). */
function byShard(dirs: string[]): string[] {
  const k = (d: string) => Number(/_shard-(\d+)-of-\d+$/.exec(d)?.[1] ?? -1);
  return [...dirs].sort((a, b) => k(a) - k(b));
}

function records(dir: string): RequestRecord[] {
  return readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord);
}

test('three shards in three network namespaces merge into the single-process run of the same plan', async (t) => {
  const skip = process.platform !== 'linux' ? 'network namespaces are Linux only' : setUp();
  if (skip) {
    t.skip(skip);
    return;
  }
  server = await startScriptedServer({ ttftMs: 20, itlMs: 5, tokens: 4 }, { host: bridgeAddr });
  const plan = ['--target', server.url, '--rate', '15', '--arrival', 'poisson', '--seed', '11', '--requests', '15', '--input-tokens', '8', '--output-tokens', '4'];
  const out = tempDir('llmbench-netns-');
  const bin = join(process.cwd(), 'bin', 'llmbench.js');
  // Far enough ahead for three Node processes to start on a busy machine; a shard that starts late still keeps
  // the scheduled times (it only sends late), so the comparison below does not depend on it.
  const startAt = String(Date.now() + 15_000);
  const env = { ...process.env, LLMBENCH_DATA_DIR: tempDir('llmbench-netns-data-') };
  const runs = await Promise.all(
    Array.from({ length: SHARDS }, (_, k) =>
      run('ip', ['netns', 'exec', ns(k), 'env', `LLMBENCH_DATA_DIR=${env.LLMBENCH_DATA_DIR}`, process.execPath, bin, 'run', ...plan, '--shard', `${k}/${SHARDS}`, '--start-at', startAt, '--out', out, '--name', 'netns', '--no-report']),
    ),
  );
  for (const [k, r] of runs.entries()) assert.equal(r.code, 0, `shard ${k}: ${r.stderr}`);
  const dirs = byShard(readdirSync(out).map((d) => join(out, d)));
  assert.deepEqual(dirs.map((d) => /_shard-(\d)-of-3$/.exec(d)?.[1]), ['0', '1', '2']);

  // Each shard's requests came from its own namespace's address.
  const generation = server.requests.filter((q) => q.path === '/v1/chat/completions' && q.body.max_tokens === 4);
  assert.equal(generation.length, 15);
  for (let k = 0; k < SHARDS; k++) {
    const mine = records(dirs[k]!).map((r) => r.index).sort((a, b) => a - b);
    assert.deepEqual(mine, [0, 1, 2, 3, 4].map((j) => j * SHARDS + k));
  }
  assert.deepEqual([...new Set(generation.map((q) => q.remote))].sort(), [nsAddr(0), nsAddr(1), nsAddr(2)].sort());

  const merged = join(out, 'merged');
  const m = await runCli(['merge', ...dirs, '--out', merged]);
  assert.equal(m.code, 0, m.stderr);
  const mergedRecords = records(merged).filter((r) => !r.warmup);
  assert.deepEqual(mergedRecords.map((r) => r.index), Array.from({ length: 15 }, (_, i) => i));
  const mergedResult = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')) as RunResult;
  assert.equal(mergedResult.scenarios[0]!.summary.requests_ok, 15);

  const single = tempDir('llmbench-netns-single-');
  const s = await runCli(['run', ...plan, '--out', single, '--name', 'single']);
  assert.equal(s.code, 0, s.stderr);
  const singleRecords = records(join(single, readdirSync(single)[0]!)).sort((a, b) => a.index - b.index);
  assert.deepEqual(singleRecords.map((r) => r.index), mergedRecords.map((r) => r.index));
  // Scheduled times relative to the first arrival (the two runs started at different instants).
  let worst = 0;
  for (let i = 0; i < 15; i++) {
    const a = mergedRecords[i]!.scheduled_at - mergedRecords[0]!.scheduled_at;
    const b = singleRecords[i]!.scheduled_at - singleRecords[0]!.scheduled_at;
    assert.ok(Math.abs(a - b) <= 5, `request ${i}: merged ${a.toFixed(3)} ms, single ${b.toFixed(3)} ms`);
    worst = Math.max(worst, Math.abs(a - b));
  }
  t.diagnostic(`largest scheduled-time difference from the single-process run: ${worst.toFixed(4)} ms`);
});
