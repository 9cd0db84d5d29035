/**
 * `llmbench sweep` against real server processes (test/support/sweep-servers/law-server.mjs): the search finds the
 * known knee of the server's speed law, failed starts / never-ready / mid-run deaths become server_failed points,
 * a MindIE-style config file reaches the server, Ctrl-C stops the server and --resume finishes the sweep, and no
 * process of any server's group survives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../support/cli.js';
import { validate } from '../support/json-schema.js';
import { type SweepResult } from '../../src/sweep/result.js';
import { groupGone, readSweep } from './helpers.js';

const LAW = fileURLToPath(new URL('../support/sweep-servers/law-server.mjs', import.meta.url));
const TLS = fileURLToPath(new URL('../support/tls', import.meta.url));
const SCHEMA = JSON.parse(readFileSync('docs/sweep.schema.json', 'utf8'));
/** Keeps each run quick and free of probes the law server does not answer. */
const BENCH = `  server: vllm\n  api: completions\n  input-tokens: 8\n  metrics-url: none\n  telemetry: none\n`;

function writePlan(text: string): string {
  const dir = tempDir('llmbench-sweep-');
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, text);
  return file;
}

test('search: finds the knee of the server speed law per point, never above it, and names the winner', async () => {
  // TPOT = 20 ms × (active > max_num_seqs ? 4 : 1) and the SLA tpot_ms.p50 ≤ 45: the highest concurrency meeting
  // it is max_num_seqs itself (20 ms), one more is 80 ms. Timer noise on a busy machine only adds latency, and far
  // less than the 25 ms of headroom, so the search must land exactly on the knee.
  const file = writePlan(`server:
  command: "node ${LAW} --port {port} --max-num-seqs {max_num_seqs} --base-ms 20 --overload-factor 4"
  ready: { timeout: 30s }
  stop: { grace: 5s }
parameters:
  max_num_seqs: [3, 5]
benchmark:
${BENCH}  output-tokens: 4
  requests: 12
sla:
  tpot_ms.p50: "<= 45"
  error_rate: "<= 0"
search: { over: concurrency, min: 2, max: 16 }
devices: 2
`);
  const out = tempDir();
  const db = join(tempDir(), 'history.db');
  const r = await runCli(['sweep', file, '--out', out, '--name', 'knee', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  const { dir, sweep } = readSweep(out);
  assert.match(dir, /knee_sweep_\d{8}_\d{6}$/);
  assert.deepEqual(validate(SCHEMA, sweep), []);
  assert.equal(sweep.complete, true);
  const knees = [3, 5];
  for (const [i, p] of sweep.points.entries()) {
    assert.equal(p.status, 'ok');
    assert.deepEqual(p.parameters, { max_num_seqs: knees[i] });
    assert.ok(p.startup_s! > 0 && p.startup_s! < 30);
    assert.equal(p.feasible_max, knees[i]);
    assert.equal(p.infeasible_min, knees[i]! + 1);
    // Never above the knee: no load past it was ever accepted.
    for (const l of p.loads!) if (l.load_meets) assert.ok(l.load! <= knees[i]!, `point ${i}: load ${l.load} accepted`);
    for (const l of p.loads!) assert.ok(existsSync(join(dir, l.run_dir!, 'results.json')));
    assert.ok(await groupGone(p.server_pid!), `point ${i}: server group ${p.server_pid} survived`);
    assert.ok(readFileSync(join(dir, p.dir, 'server.log'), 'utf8').includes(`max_num_seqs ${knees[i]} base_ms 20`));
  }
  // The probes: doubling from min (2) until a load fails, then bisection.
  assert.deepEqual(sweep.points.map((p) => [...new Set(p.loads!.map((l) => l.load))]), [[2, 4, 3], [2, 4, 8, 6, 5]]);
  // A load whose first measurement met the SLA within 5 % of a limit was measured again.
  for (const p of sweep.points)
    for (const l of p.loads!) if (l.attempt === 1 && l.meets && l.near_limit) assert.ok(p.loads!.some((x) => x.load === l.load && x.attempt === 2), `point ${p.index} load ${l.load}`);
  assert.equal(sweep.best!.point, 1);
  assert.deepEqual(sweep.ranking.map((x) => x.point), [1, 0]);
  assert.match(r.stdout, /best: point 1 \(max_num_seqs=5\) at concurrency 5, the highest meeting the SLA: [\d.]+ output tokens\/s/);
  assert.ok(existsSync(join(dir, 'sweep-pareto.svg')) && existsSync(join(dir, 'sweep-throughput-latency.svg')));
  assert.equal(readFileSync(join(dir, 'plan.yaml'), 'utf8'), readFileSync(file, 'utf8'));
  // Every run is in the history with the sweep's id.
  const h = new Database(db, { readonly: true });
  const rows = h.prepare('SELECT result_dir, sweep_id FROM runs').all() as Array<{ result_dir: string; sweep_id: string }>;
  h.close();
  const runs = sweep.points.flatMap((p) => p.loads!.map((l) => join(dir, l.run_dir!)));
  assert.deepEqual(rows.map((x) => x.result_dir).sort(), runs.sort());
  assert.ok(rows.every((x) => x.sweep_id === sweep.sweep_id));
});

test('lifecycle: a failed start, a server never ready and one dying mid-run are server_failed points; the sweep goes on (exit 4)', async () => {
  const file = writePlan(`servers:
  - name: fits
    command: "node ${LAW} --port {port} --max-num-seqs {max_num_seqs} --base-ms 2 --fail-above-seqs 2 --child --ignore-sigterm"
    stop: { grace: 300ms }
    parameters: { max_num_seqs: [2, 4] }
  - name: stuck
    command: "node ${LAW} --port {port} --never-ready --max-num-seqs {m}"
    ready: { timeout: 1s }
    parameters: { m: [1] }
  - name: dying
    command: "node ${LAW} --port {port} --die-after 3 --max-num-seqs {m} --base-ms 5"
    parameters: { m: [1] }
benchmark:
${BENCH}  output-tokens: 4
  concurrency: 2
  requests: 8
sla:
  error_rate: "<= 0"
`);
  const out = tempDir();
  const r = await runCli(['sweep', file, '--out', out, '--no-history', '--no-report']);
  assert.equal(r.code, 4, r.stderr);
  const { sweep } = readSweep(out);
  assert.deepEqual(validate(SCHEMA, sweep), []);
  assert.deepEqual(sweep.points.map((p) => [p.server, p.parameters, p.status]), [
    ['fits', { max_num_seqs: 2 }, 'ok'],
    ['fits', { max_num_seqs: 4 }, 'server_failed'],
    ['stuck', { m: 1 }, 'server_failed'],
    ['dying', { m: 1 }, 'server_failed'],
  ]);
  const [ok, oom, stuck, dying] = sweep.points as [SweepResult['points'][0], SweepResult['points'][0], SweepResult['points'][0], SweepResult['points'][0]];
  assert.equal(ok.feasible_max, 2);
  assert.equal(ok.loads![0]!.summary!.requests_ok, 8);
  assert.equal(oom.reason, 'the server exited before it was ready (exit code 3)');
  assert.ok(oom.server_log_tail!.some((l) => l.includes('max_num_seqs 4 does not fit (limit 2): out of memory')));
  assert.equal(oom.startup_s, null);
  assert.match(stuck.reason!, /^not ready after 1 s \(GET http:\/\/127\.0\.0\.1:\d+\/health never answered 200\)$/);
  assert.equal(dying.reason, 'the server died during the benchmark (exit code 7)');
  assert.ok(dying.server_log_tail!.some((l) => l.includes('dying on completion request 3')));
  for (const p of sweep.points) assert.ok(await groupGone(p.server_pid!), `${p.server}: group ${p.server_pid} survived`);
  // The server that ignored SIGTERM (and its child) was killed after the grace period.
  assert.match(r.stderr, /server did not stop within 0\.3 s of SIGTERM: killed \(SIGKILL\)/);
  assert.deepEqual(sweep.ranking.map((x) => [x.server, x.load]), [['fits', 2]]);
});

test('config_file: a MindIE-style JSON config is written per point with typed values and read by an HTTPS (mutual TLS) server', async () => {
  const dir = tempDir('llmbench-sweep-mindie-');
  writeFileSync(join(dir, 'mindie-config.json'), JSON.stringify({ ServerConfig: { port: 1025, httpsEnabled: false }, BackendConfig: { ModelDeployConfig: { ModelConfig: [{ modelName: 'law', maxSeqs: 1, baseMs: 10, npuMemSize: -1 }] } } }));
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, `server:
  command: "node ${LAW} --config {config_file} --tls ${TLS}"
  target: "https://127.0.0.1:{port}"
  config_file:
    template: mindie-config.json
    path: ./run/config.json
    set: { "ServerConfig.port": "{port}", "BackendConfig.ModelDeployConfig.ModelConfig.0.maxSeqs": "{max_seqs}", "BackendConfig.ModelDeployConfig.ModelConfig.0.npuMemSize": "{mem}" }
parameters:
  max_seqs: [1, 3]
  mem: [8]
benchmark:
${BENCH}  output-tokens: 6
  concurrency: 3
  requests: 6
  ca-cert: ${TLS}/ca.pem
  client-cert: ${TLS}/client.pem
  client-key: ${TLS}/client-key.pem
`);
  const out = tempDir();
  const r = await runCli(['sweep', file, '--out', out, '--no-history', '--no-report']);
  assert.equal(r.code, 0, r.stderr);
  const { dir: sdir, sweep } = readSweep(out);
  for (const [i, p] of sweep.points.entries()) {
    assert.equal(p.status, 'ok');
    const cfg = JSON.parse(readFileSync(join(sdir, p.dir, 'config.json'), 'utf8'));
    const port = Number(new URL(p.target!).port);
    assert.deepEqual(cfg, { ServerConfig: { port, httpsEnabled: false }, BackendConfig: { ModelDeployConfig: { ModelConfig: [{ modelName: 'law', maxSeqs: [1, 3][i], baseMs: 10, npuMemSize: 8 }] } } });
    assert.equal(p.command, `node ${LAW} --config ${join(dir, 'run', 'config.json')} --tls ${TLS}`);
    assert.equal(p.target, `https://127.0.0.1:${port}`);
    assert.equal(p.loads![0]!.summary!.requests_ok, 6);
    assert.ok(readFileSync(join(sdir, p.dir, 'server.log'), 'utf8').includes(`law-server: port ${port} max_num_seqs ${[1, 3][i]} base_ms 10`));
  }
  // TPOT = 10 × max(1, active / maxSeqs): about 30 ms with one sequence at concurrency 3 (less while the last
  // requests drain), 10 ms with three.
  const tpot = sweep.points.map((p) => p.loads![0]!.metrics.tpot_ms!.p50!);
  assert.ok(tpot[0]! >= 20, String(tpot));
  assert.ok(tpot[1]! < tpot[0]!, String(tpot));
});

test('Ctrl-C stops the server (exit 130, everything finished kept); --resume runs what is left with the same sweep id', async () => {
  const file = writePlan(`server:
  command: "node ${LAW} --port {port} --max-num-seqs {max_num_seqs} --base-ms 20 --child"
parameters:
  max_num_seqs: [1, 2]
benchmark:
${BENCH}  output-tokens: 4
  concurrency: 1
  requests: 24
`);
  const out = tempDir();
  const ac = new AbortController();
  const running = runCli(['sweep', file, '--out', out, '--no-history', '--no-report'], { signal: ac.signal });
  // Abort once the first point's server has answered requests (its run folder exists).
  let pid: number | null = null;
  for (let i = 0; i < 600 && pid === null; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const f = readdirSync(out).find((x) => x.includes('_sweep_'));
    if (!f) continue;
    const pdir = join(out, f, 'point-0');
    if (existsSync(pdir) && readdirSync(pdir).some((x) => x.startsWith('plan_p0'))) pid = (JSON.parse(readFileSync(join(out, f, 'sweep.json'), 'utf8')) as SweepResult).points[0]?.server_pid ?? null;
  }
  assert.ok(pid !== null, 'the first point never started its run');
  ac.abort();
  const r = await running;
  assert.equal(r.code, 130, r.stderr);
  const { dir, sweep } = readSweep(out);
  assert.equal(sweep.interrupted, true);
  assert.equal(sweep.complete, false);
  assert.deepEqual(sweep.points.map((p) => p.status), ['interrupted']);
  assert.ok(await groupGone(pid!), `server group ${pid} survived Ctrl-C`);
  assert.match(r.stderr, /interrupted: continue with llmbench sweep --resume /);

  const again = await runCli(['sweep', '--resume', dir, '--no-history', '--no-report']);
  assert.equal(again.code, 0, again.stderr);
  const resumed = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepResult;
  assert.equal(resumed.sweep_id, sweep.sweep_id);
  assert.equal(resumed.complete, true);
  assert.deepEqual(resumed.points.map((p) => [p.index, p.status, p.loads!.length]), [[0, 'ok', 1], [1, 'ok', 1]]);
  assert.ok(existsSync(join(dir, 'point-0.interrupted')));
  for (const p of resumed.points) assert.ok(await groupGone(p.server_pid!));

  // A finished sweep resumed again keeps every point and starts nothing.
  const third = await runCli(['sweep', '--resume', dir, '--no-history', '--no-report']);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /point 0 \(max_num_seqs=1\): kept from the previous sweep \(ok\)/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).points, resumed.points);
});
