import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli } from './fake-io.js';
import { FIXTURE_RUNS, loadFixture } from '../reports/load.js';
import { recordRun } from '../../src/store/history.js';
import { writeRunReport } from '../../src/reports/write.js';

const A = join(FIXTURE_RUNS, 'a');
const B = join(FIXTURE_RUNS, 'b');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'llmbench-cli-'));
}

test('report prints the tables and writes charts and report.html into --out', async () => {
  const dir = tmp();
  try {
    const r = await runCli(['report', A, '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^summary baseline \(20261123-100000-aaaa · stories260K\)\n/);
    assert.match(r.stdout, /\nscenario in8_out4_c4\n/);
    assert.equal(r.stderr, `llmbench report: wrote 11 files in ${join(dir, 'out')} (open ${join(dir, 'out', 'report.html')})\n`);
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['charts', 'report.html']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report --json of several runs is one summary table with a run column; unknown runs are usage errors', async () => {
  const r = await runCli(['report', A, B, '--json', '--no-charts']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  assert.deepEqual(rows.map((x: Record<string, unknown>) => [x.run, x.scenario, x.requests_ok, x.accuracy]), [
    ['baseline', 'in8_out4_c1', 3, null],
    ['baseline', 'in8_out4_c4', 2, null],
    ['faster', 'in8_out4_c1', 3, 0.5],
    ['faster', 'in8_out4_c4', 3, 0.5],
  ]);
  const bad = await runCli(['report', join(FIXTURE_RUNS, 'nope')]);
  assert.equal(bad.code, 2);
});

test('history lists recorded runs with filters; report and compare accept its ids', async () => {
  const dir = tmp();
  try {
    const db = join(dir, 'h.db');
    for (const n of ['a', 'b']) {
      const f = loadFixture(n);
      assert.equal(recordRun({ dbPath: db }, f.result, f.dir).ok, true);
    }
    const all = await runCli(['history', '--db', db, '--format', 'csv']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(
      all.stdout,
      'id,started_at,name,target,model,scenarios,max_output_token_throughput,config_hash,result_dir\n' +
        `20261123-110000-bbbb,2026-11-23 10:00:00Z,faster,openai http://127.0.0.1:8080/v1,stories260K,2,171.428571,b39563c0256b10e8,${B}\n` +
        `20261123-100000-aaaa,2026-11-23 10:00:00Z,baseline,openai http://127.0.0.1:8080/v1,stories260K,2,116.788321,b39563c0256b10e8,${A}\n`,
    );
    const named = await runCli(['history', '--db', db, '--name', 'base', '--json']);
    assert.deepEqual(JSON.parse(named.stdout).map((r: { id: string }) => r.id), ['20261123-100000-aaaa']);
    const dated = await runCli(['history', '--db', db, '--since', '2026-11-24', '--json']);
    assert.deepEqual(JSON.parse(dated.stdout), []);
    const until = await runCli(['history', '--db', db, '--until', '2026-11-23', '--model', 'stories', '--json']);
    assert.equal(JSON.parse(until.stdout).length, 2);
    // Bad filters are usage errors (exit 2) caught by the option table, not database errors (exit 3).
    for (const bad of [['--until', ''], ['--until', 'soon'], ['--limit', '0']]) {
      const r = await runCli(['history', '--db', db, ...bad]);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`--${bad[0]!.slice(2)}`));
    }
    assert.equal((await runCli(['history', '--db', db, '--since', 'yesterday'])).code, 2);

    const rep = await runCli(['report', '20261123-10', '--db', db, '--no-charts', '--format', 'md']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.match(rep.stdout, /^\*\*summary baseline/);
    const cmp = await runCli(['compare', '20261123-100000-aaaa', '20261123-11', '--db', db, '--fail-if', 'tpot_ms.p90>+5%']);
    assert.equal(cmp.code, 0, cmp.stderr);
    const amb = await runCli(['report', '20261123', '--db', db, '--no-charts']);
    assert.equal(amb.code, 2);
    assert.match(amb.stderr, /matches several runs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('history: a missing database is an empty list; a corrupt one is a setup error (exit 3)', async () => {
  const dir = tmp();
  try {
    const missing = await runCli(['history', '--db', join(dir, 'none.db'), '--json']);
    assert.equal(missing.code, 0);
    assert.equal(missing.stdout, '[]\n');
    assert.match(missing.stderr, /no history yet/);
    assert.equal(existsSync(join(dir, 'none.db')), false);
    writeFileSync(join(dir, 'bad.db'), 'garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage');
    const bad = await runCli(['history', '--db', join(dir, 'bad.db')]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /\[LLMBENCH_HISTORY_DB\]: cannot read history database/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeRunReport writes into the run folder and returns the files, report.html last', async () => {
  const dir = tmp();
  try {
    cpSync(A, join(dir, 'run'), { recursive: true });
    const f = loadFixture('a');
    const files = await writeRunReport(join(dir, 'run'), f.result, f.records);
    assert.equal(files.length, 11);
    assert.equal(files.at(-1), join(dir, 'run', 'report.html'));
    assert.ok(files.every((p) => existsSync(p)));
    assert.deepEqual(files.filter((p) => p.endsWith('.png')).map((p) => p.slice(join(dir, 'run').length + 1)), ['charts/overview.png', 'charts/latency-cdf.png', 'charts/load-curves.png', 'charts/timeline.png', 'charts/tokens-over-time.png']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('afterRun writes the report and records history; a broken database is only a warning', async () => {
  const { afterRun } = await import('../../src/cli/after-run.js');
  const dir = tmp();
  try {
    cpSync(A, join(dir, 'run'), { recursive: true });
    const f = loadFixture('a');
    const ok = await afterRun({ report: false, history: true }, { LLMBENCH_DATA_DIR: join(dir, 'data') }, dir, join(dir, 'run'), f.result, f.records);
    assert.deepEqual(ok, { files: [], historyId: '20261123-100000-aaaa', warnings: [] });
    assert.equal(existsSync(join(dir, 'data', 'history.db')), true);
    writeFileSync(join(dir, 'bad.db'), 'not a database, not a database, not a database, not a database, not a database');
    const bad = await afterRun({ report: false, history: true, db: 'bad.db' }, {}, dir, join(dir, 'run'), f.result, f.records);
    assert.equal(bad.historyId, null);
    assert.match(bad.warnings[0]!, /^run not recorded in history .*bad.db: it is not a valid SQLite database/);
    const none = await afterRun({ report: false, history: false }, {}, dir, join(dir, 'run'), f.result, f.records);
    assert.deepEqual(none, { files: [], historyId: null, warnings: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
