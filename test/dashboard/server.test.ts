/**
 * The dashboard's HTTP layer without a browser: the JSON API's shapes, DNS-rebinding and token checks, read-only
 * answers, traversal attempts, a history database of another schema version opened read-only and left as it
 * was, the run heartbeat, and the `llmbench dashboard` command itself.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { DashboardData } from '../../src/dashboard/data.js';
import { hostName, isLoopbackHost, startDashboard, type DashboardServer } from '../../src/dashboard/server.js';
import { startHeartbeat, HEARTBEAT_FILE } from '../../src/runner/heartbeat.js';
import { makeResults, RUN_A, RUN_B, RUN_EVIL, SWEEP_ID } from './setup.js';
import { runCli } from '../support/cli.js';

const servers: DashboardServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function serve(opts: { token?: string | null; db?: string | null; root?: string } = {}) {
  const made = makeResults();
  const root = opts.root ?? made.root;
  const s = await startDashboard({ data: new DashboardData({ dbPath: opts.db === undefined ? made.db : opts.db, resultDirs: [root] }), host: '127.0.0.1', port: 0, token: opts.token ?? null, livePollMs: 100 });
  servers.push(s);
  return { s, root, db: made.db };
}

/** A raw HTTP request (the path is sent as given, unnormalised, and any Host header can be set). */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('/api/runs lists every run with id and name, newest first, with its figures; /api/runs/:id and records', async () => {
  const { s } = await serve();
  const runs = JSON.parse((await raw(s.port, '/api/runs')).body) as Array<Record<string, unknown>>;
  assert.deepEqual(runs.map((r) => [r.id, r.name, r.source, r.status]), [
    [RUN_EVIL, '<script>alert("name")</script>', 'folder', 'ok'],
    [RUN_B, 'faster', 'both', 'ok'],
    [RUN_A, 'baseline', 'both', 'ok'],
  ]);
  const b = runs[1]!;
  assert.deepEqual(
    { tput: b.output_token_throughput, best: b.best_scenario, ttft50: b.ttft_ms_p50, ttft99: b.ttft_ms_p99, tpot50: b.tpot_ms_p50, tpot90: b.tpot_ms_p90, acc: b.accuracy, mem: b.peak_memory_bytes },
    { tput: 171.428571, best: 'in8_out4_c4', ttft50: 26, ttft99: 33.84, tpot50: 11, tpot90: 11.8, acc: 0.5, mem: 2 * 1024 ** 3 },
  );
  assert.deepEqual((b.scenarios as Array<{ id: string; output_token_throughput: number }>).map((x) => [x.id, x.output_token_throughput]), [['in8_out4_c1', 47.619048], ['in8_out4_c4', 171.428571]]);

  const one = JSON.parse((await raw(s.port, `/api/runs/${RUN_A}`)).body) as Record<string, unknown>;
  assert.equal(one.id, RUN_A);
  assert.equal(one.records, 6);
  assert.deepEqual(one.files, ['results.json', 'requests.jsonl']);
  assert.equal((one.result as { run_id: string }).run_id, RUN_A);
  const rec = JSON.parse((await raw(s.port, `/api/runs/${RUN_A}/requests/5`)).body) as Record<string, unknown>;
  assert.deepEqual([rec.record, rec.scenario_id, rec.index, rec.status], [5, 'in8_out4_c4', 2, 'error']);
  assert.equal((await raw(s.port, `/api/runs/${RUN_A}/requests/6`)).status, 404);
  assert.equal((await raw(s.port, `/api/runs/${RUN_A}/requests/-1`)).status, 404);
  assert.equal((await raw(s.port, '/api/runs/nope')).status, 404);
  assert.equal((await raw(s.port, '/runs/nope')).status, 404);
});

test('/api/compare: the comparison, verdicts, and a bad --fail-if as 400', async () => {
  const { s } = await serve();
  const q = (f: string) => `/api/compare?ids=${RUN_A},${RUN_B}&baseline=${RUN_A}&fail_if=${encodeURIComponent(f)}`;
  const r = await raw(s.port, q('output_token_throughput<-3%,ttft_ms.p99>+20%'));
  assert.equal(r.status, 200);
  const c = JSON.parse(r.body) as { baseline: string; passed: boolean; violations: string[]; comparison: { rows: Array<{ scenario: string; metric: string; baseline: number; runs: Array<{ value: number; beyond_spread: boolean | null }> }> } };
  assert.equal(c.baseline, RUN_A);
  assert.equal(c.passed, false);
  assert.deepEqual(c.violations, ['faster / in8_out4_c4: ttft_ms.p99 27.92 → 33.84 (+21.2034%) violates ttft_ms.p99>+20% (baseline baseline)']);
  const row = c.comparison.rows.find((x) => x.scenario === 'in8_out4_c4' && x.metric === 'output_token_throughput')!;
  assert.deepEqual([row.baseline, row.runs[0]!.value, row.runs[0]!.beyond_spread], [116.788321, 171.428571, true]);
  const bad = await raw(s.port, q('tpot_ms.p90>>5'));
  assert.equal(bad.status, 400);
  assert.match((JSON.parse(bad.body) as { error: string }).error, /'tpot_ms.p90>>5' is not PATH>VALUE/);
  assert.equal((await raw(s.port, `/api/compare?ids=${RUN_A}`)).status, 400);
  assert.equal((await raw(s.port, `/api/compare?ids=${RUN_A},nope`)).status, 404);
});

test('sweeps: listed from */sweep.json and served as written', async () => {
  const { s } = await serve();
  const list = JSON.parse((await raw(s.port, '/api/sweeps')).body) as Array<Record<string, unknown>>;
  assert.deepEqual(list.map((x) => [x.id, x.name, x.points]), [[SWEEP_ID, 'tune', 3]]);
  const one = JSON.parse((await raw(s.port, `/api/sweeps/${SWEEP_ID}`)).body) as { best: unknown };
  assert.deepEqual(one.best, { parameters: { max_num_seqs: 128 }, load: { concurrency: 4 }, output_token_throughput: 360 });
  assert.equal((await raw(s.port, '/sweeps/nope')).status, 404);
});

test('DNS rebinding: only loopback Host names are answered', async () => {
  const { s } = await serve();
  for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`, 'localhost', `127.1.2.3:${s.port}`]) assert.equal((await raw(s.port, '/api/runs', { host })).status, 200, host);
  for (const host of [`evil.example:${s.port}`, 'evil.example', `127.0.0.1.evil.example:${s.port}`, `10.0.0.1:${s.port}`, 'a b']) {
    const r = await raw(s.port, '/api/runs', { host });
    assert.equal(r.status, 403, JSON.stringify(host));
    assert.ok(!r.body.includes(RUN_A));
  }
  // No Host header at all (HTTP/1.0): refused too.
  const noHost = await new Promise<string>((ok, fail) => {
    const sock = connect(s.port, '127.0.0.1', () => sock.end('GET /api/runs HTTP/1.0\r\n\r\n'));
    let text = '';
    sock.on('data', (d) => (text += d.toString()));
    sock.on('end', () => ok(text));
    sock.on('error', fail);
  });
  assert.match(noHost, /^HTTP\/1\.1 403 /);
  assert.equal(isLoopbackHost('::1'), true);
  assert.equal(isLoopbackHost('0.0.0.0'), false);
  assert.equal(hostName('[::1]:80'), '::1');
  await assert.rejects(startDashboard({ data: new DashboardData({ resultDirs: [] }), host: '0.0.0.0', port: 0, token: null }), /needs a token/);
});

test('token: every request is 401 without it; ?token= sets an HttpOnly SameSite=Strict cookie that authorises pages and the event stream', async () => {
  const token = 'tok-0123456789abcdef';
  const { s } = await serve({ token });
  for (const p of ['/', '/api/runs', `/runs/${RUN_A}`, '/static/dashboard.js', '/api/live/events', `/runs/${RUN_A}/files/results.json`]) {
    const r = await raw(s.port, p);
    assert.equal(r.status, 401, p);
    assert.ok(!r.body.includes('baseline'));
  }
  assert.equal((await raw(s.port, '/?token=wrong')).status, 401);
  assert.equal((await raw(s.port, '/', { cookie: 'llmbench_dashboard=wrong' })).status, 401);
  const login = await raw(s.port, `/runs/${RUN_A}?token=${token}`);
  assert.equal(login.status, 303);
  assert.equal(login.headers.location, `/runs/${RUN_A}`);
  assert.deepEqual(login.headers['set-cookie'], [`llmbench_dashboard=${token}; HttpOnly; SameSite=Strict; Path=/`]);
  // A path that normalises to `//elsewhere` still redirects to this server.
  assert.equal((await raw(s.port, `/a/..//evil.example/?token=${token}`)).headers.location, '/evil.example/');
  const cookie = `llmbench_dashboard=${token}`;
  assert.equal((await raw(s.port, `/runs/${RUN_A}`, { cookie })).status, 200);
  assert.equal((await raw(s.port, '/api/runs', { authorization: `Bearer ${token}` })).status, 200);
  // The event stream with the cookie: headers arrive, then the stream stays open.
  const events = await new Promise<{ status: number; type: string | undefined }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: s.port, path: '/api/live/events', headers: { cookie } }, (res) => {
      ok({ status: res.statusCode!, type: res.headers['content-type'] });
      res.destroy();
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : fail(e)));
    req.end();
  });
  assert.deepEqual(events, { status: 200, type: 'text/event-stream; charset=utf-8' });
});

test('read-only: only GET and HEAD; the pages carry a CSP allowing only this server', async () => {
  const { s } = await serve();
  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await raw(s.port, `/api/runs/${RUN_A}`, {}, m);
    assert.equal(r.status, 405, m);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  const page = await raw(s.port, '/');
  assert.match(String(page.headers['content-security-policy']), /^default-src 'none'; script-src 'self' 'unsafe-eval';/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal((await raw(s.port, '/', {}, 'HEAD')).status, 200);
});

test('traversal: only files inside a known run folder, never by .., encoded .., absolute paths or symlinks out', async () => {
  const { s, root } = await serve();
  const secretDir = join(dirname(root), 'outside');
  mkdirSync(secretDir, { recursive: true });
  writeFileSync(join(secretDir, 'secret.txt'), 'TOPSECRET\n');
  symlinkSync(join(secretDir, 'secret.txt'), join(root, 'run-a', 'link.txt'));
  symlinkSync(secretDir, join(root, 'run-a', 'linkdir'));
  const ok = await raw(s.port, `/runs/${RUN_A}/files/results.json`);
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).run_id, RUN_A);
  assert.match(String(ok.headers['content-security-policy']), /sandbox/);
  const attempts = [
    `/runs/${RUN_A}/files/../../outside/secret.txt`,
    `/runs/${RUN_A}/files/..%2f..%2foutside%2fsecret.txt`,
    `/runs/${RUN_A}/files/%2e%2e/%2e%2e/outside/secret.txt`,
    `/runs/${RUN_A}/files/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt`,
    `/runs/${RUN_A}/files/%252e%252e%252f%252e%252e%252foutside%252fsecret.txt`,
    `/runs/${RUN_A}/files/..%5c..%5coutside%5csecret.txt`,
    `/runs/${RUN_A}/files/${encodeURIComponent(join(secretDir, 'secret.txt'))}`,
    `/runs/${RUN_A}/files//${secretDir.slice(1)}/secret.txt`,
    `/runs/${RUN_A}/files/link.txt`,
    `/runs/${RUN_A}/files/linkdir/secret.txt`,
    `/runs/${RUN_A}/files/results.json%00.png`,
    `/runs/${RUN_A}/files/%c0%ae%c0%ae/secret.txt`,
    `/runs/..%2f..%2foutside/files/secret.txt`,
    '/static/..%2f..%2fpackage.json',
    '/static/../../package.json',
    `/runs/${RUN_A}/files/`,
  ];
  for (const p of attempts) {
    const r = await raw(s.port, p);
    assert.equal(r.status, 404, p);
    assert.ok(!r.body.includes('TOPSECRET') && !r.body.includes('"name": "llmbench"'), p);
  }
});

test('the history database is opened read-only, whatever its schema version, and left byte for byte as it was', async () => {
  const { s, db } = await serve();
  const hash = () => createHash('sha256').update(readFileSync(db)).digest('hex');
  const before = hash();
  const mtime = statSync(db).mtimeMs;
  assert.equal((await raw(s.port, '/api/runs')).status, 200);
  assert.equal(hash(), before);
  assert.equal(statSync(db).mtimeMs, mtime);
  assert.equal(existsSync(`${db}-wal`), false);

  // Schema version 2 (runs.sweep_id, written by llmbench sweep), then a later one (version 3, with a column this
  // llmbench does not know), and a run whose folder is gone: shown from the history alone.
  const h = new Database(db);
  assert.equal((h.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v, 2);
  h.exec("ALTER TABLE runs ADD COLUMN from_the_future TEXT; INSERT INTO schema_version (version) VALUES (3); UPDATE runs SET sweep_id = 'sw-1' WHERE id = '20261123-100000-aaaa'");
  h.prepare("INSERT INTO runs (id, started_at, finished_at, recorded_at, name, target_kind, target_url, model, config_hash, result_dir, interrupted, tool_version, scenario_count, sweep_id) VALUES ('gone-1', '2026-11-01T00:00:00.000Z', NULL, '2026-11-01T00:00:00.000Z', 'gone', 'vllm', 'http://x', 'qwen', 'h', '/nonexistent/gone', 0, '0.1.0', 1, NULL)").run();
  h.prepare("INSERT INTO scenarios (run_id, scenario_id, status, dims_json, summary_json, metrics_json) VALUES ('gone-1', 's1', 'ok', '{}', '{\"output_token_throughput\": 12.5}', '{\"ttft_ms\": {\"p50\": 40, \"p99\": 90}}')").run();
  h.close();
  const after2 = hash();
  const runs = JSON.parse((await raw(s.port, '/api/runs')).body) as Array<Record<string, unknown>>;
  assert.deepEqual(runs.map((r) => [r.id, r.sweep, r.status]), [[RUN_EVIL, null, 'ok'], [RUN_B, null, 'ok'], [RUN_A, 'sw-1', 'ok'], ['gone-1', null, 'missing']]);
  assert.deepEqual([runs[3]!.output_token_throughput, runs[3]!.ttft_ms_p50, runs[3]!.ttft_ms_p99, runs[3]!.model], [12.5, 40, 90, 'qwen']);
  const page = await raw(s.port, '/runs/gone-1');
  assert.equal(page.status, 200);
  assert.ok(page.body.includes('The result folder is gone'));
  assert.equal(hash(), after2);

  // Version 1 (before sweeps): no sweep_id column; every run is still listed, with no sweep.
  const h1 = new Database(db);
  h1.exec('DROP INDEX runs_sweep_id; ALTER TABLE runs DROP COLUMN sweep_id; ALTER TABLE runs DROP COLUMN from_the_future; DELETE FROM schema_version WHERE version >= 2');
  h1.close();
  const after1 = hash();
  const runs1 = JSON.parse((await raw(s.port, '/api/runs')).body) as Array<Record<string, unknown>>;
  assert.deepEqual(runs1.map((r) => [r.id, r.sweep, r.status]), [[RUN_EVIL, null, 'ok'], [RUN_B, null, 'ok'], [RUN_A, null, 'ok'], ['gone-1', null, 'missing']]);
  assert.equal(hash(), after1);

  // A file that is not a database costs only the history rows.
  writeFileSync(db, 'not a database');
  const runs2 = JSON.parse((await raw(s.port, '/api/runs')).body) as Array<Record<string, unknown>>;
  assert.deepEqual(runs2.map((r) => r.id), [RUN_EVIL, RUN_B, RUN_A]);
  assert.equal(readFileSync(db, 'utf8'), 'not a database');
});

test('heartbeat: written once the folder exists, refreshed, removed at stop; a stale one is not live', async () => {
  const { s, root } = await serve({ db: null });
  const dir = join(root, 'run-a');
  let ready = false;
  const hb = startHeartbeat(() => (ready ? dir : null), { run_id: RUN_A, started_at: '2026-11-23T10:00:00.000Z' }, 200);
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(existsSync(join(dir, HEARTBEAT_FILE)), false);
    ready = true;
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(dir, HEARTBEAT_FILE)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const body = JSON.parse(readFileSync(join(dir, HEARTBEAT_FILE), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([body.schema, body.run_id, body.pid], ['llmbench.heartbeat/v1', RUN_A, process.pid]);
    const live = JSON.parse((await raw(s.port, '/api/live')).body) as Array<Record<string, unknown>>;
    assert.deepEqual(live.map((l) => [l.id, l.name]), [[RUN_A, 'baseline']]);
    assert.equal((JSON.parse((await raw(s.port, '/api/runs')).body) as Array<{ id: string; status: string }>).find((r) => r.id === RUN_A)!.status, 'live');
  } finally {
    hb.stop();
  }
  assert.equal(existsSync(join(dir, HEARTBEAT_FILE)), false);
  assert.deepEqual(JSON.parse((await raw(s.port, '/api/live')).body), []);

  // A crashed run leaves its heartbeat behind, no longer refreshed.
  const old = new Date(Date.now() - 60_000);
  writeFileSync(join(dir, HEARTBEAT_FILE), JSON.stringify({ schema: 'llmbench.heartbeat/v1', run_id: RUN_A, started_at: old.toISOString(), pid: 1, updated_at: old.toISOString() }));
  utimesSync(join(dir, HEARTBEAT_FILE), old, old);
  assert.deepEqual(JSON.parse((await raw(s.port, '/api/live')).body), []);
  assert.equal((JSON.parse((await raw(s.port, '/api/runs')).body) as Array<{ id: string; status: string }>).find((r) => r.id === RUN_A)!.status, 'ok');
  rmSync(join(dir, HEARTBEAT_FILE));
});

test('llmbench dashboard --port 0 prints its URL, serves, and stops on Ctrl-C; a short token is a usage error', async () => {
  const { root, db } = makeResults();
  const ac = new AbortController();
  let out = '';
  let err = '';
  const { main } = await import('../../src/cli/main.js');
  const done = main(['dashboard', '--results', root, '--db', db, '--port', '0', '--token', 'abcdefgh12345'], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    isTTY: false,
    env: {},
    cwd: process.cwd(),
    signal: ac.signal,
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=abcdefgh12345\n$/.exec(out);
  assert.ok(m, out + err);
  assert.ok(err.startsWith(`llmbench dashboard: serving ${root} on port ${m[1]}\n`), err);
  assert.equal((await raw(Number(m[1]), '/api/runs', { authorization: 'Bearer abcdefgh12345' })).status, 200);
  ac.abort();
  assert.equal(await done, 0);
  const short = await runCli(['dashboard', '--token', 'abc', '--port', '0']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /--token: is shorter than 8 characters/);
});

test('/api/compare tests per-request differences (Mann-Whitney) where each side has enough requests', async () => {
  const { root } = makeResults();
  const make = (name: string, id: string, ttftBase: number) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const r = JSON.parse(readFileSync(join(root, 'run-a', 'results.json'), 'utf8')) as { run_id: string; name: string; scenarios: unknown[] };
    r.run_id = id;
    r.name = name;
    r.scenarios = r.scenarios.slice(0, 1);
    writeFileSync(join(dir, 'results.json'), JSON.stringify(r));
    const rec = JSON.parse(readFileSync(join(root, 'run-a', 'requests.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    writeFileSync(join(dir, 'requests.jsonl'), Array.from({ length: 10 }, (_, i) => JSON.stringify({ ...rec, index: i, ttft_ms: ttftBase + i, tpot_ms: 10 })).join('\n') + '\n');
  };
  make('slow', 'run-slow', 40);
  make('fast', 'run-fast', 20);
  const s = await startDashboard({ data: new DashboardData({ resultDirs: [root] }), host: '127.0.0.1', port: 0, token: null });
  servers.push(s);
  const c = JSON.parse((await raw(s.port, '/api/compare?ids=run-slow,run-fast')).body) as { per_request_tests: Array<Record<string, unknown>> };
  const t = c.per_request_tests;
  assert.deepEqual(t.map((x) => [x.run, x.scenario, x.metric, x.n_baseline, x.n_run, x.median_baseline, x.median_run, x.significant]), [
    ['fast', 'in8_out4_c1', 'ttft_ms', 10, 10, 44.5, 24.5, true],
    ['fast', 'in8_out4_c1', 'tpot_ms', 10, 10, 10, 10, false],
    ['fast', 'in8_out4_c1', 'e2e_ms', 10, 10, 50, 50, false],
  ]);
  // No overlap at 10 vs 10: z = (50 − 0.5)/√(10·10·21/12) = 3.7418, p = 0.000183.
  assert.ok(Math.abs((t[0]!.p_value as number) - 0.000183) < 2e-6, String(t[0]!.p_value));
  assert.equal(t[1]!.p_value, 1);
});
