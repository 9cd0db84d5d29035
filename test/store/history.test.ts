import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { recordRun, openHistory, listRuns, findRun, runScenarios, configHash, BUSY_TIMEOUT_MS } from '../../src/store/history.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { defaultDbPath } from '../../src/store/paths.js';
import { loadFixture } from '../reports/load.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'llmbench-hist-'));
}

test('default database path follows LLMBENCH_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
  assert.equal(defaultDbPath({ LLMBENCH_DATA_DIR: '/d', XDG_DATA_HOME: '/x', HOME: '/h' }), '/d/history.db');
  assert.equal(defaultDbPath({ XDG_DATA_HOME: '/x', HOME: '/h' }), '/x/llmbench/history.db');
  assert.equal(defaultDbPath({ XDG_DATA_HOME: 'relative', HOME: '/h' }), '/h/.local/share/llmbench/history.db');
  assert.equal(defaultDbPath({ HOME: '/h' }), '/h/.local/share/llmbench/history.db');
});

test('records runs with scenarios, lists and filters them, finds by id prefix', () => {
  const dir = tmp();
  try {
    const dbPath = join(dir, 'sub', 'history.db');
    const a = loadFixture('a');
    const b = loadFixture('b');
    assert.deepEqual(recordRun({ dbPath }, a.result, a.dir), { ok: true, id: '20261123-100000-aaaa' });
    assert.deepEqual(recordRun({ dbPath }, b.result, b.dir), { ok: true, id: '20261123-110000-bbbb' });
    // recording the same run twice replaces it
    assert.deepEqual(recordRun({ dbPath }, b.result, b.dir), { ok: true, id: '20261123-110000-bbbb' });
    const db = openHistory(dbPath);
    try {
      assert.equal((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v, SCHEMA_VERSION);
      const all = listRuns(db);
      assert.deepEqual(all.map((r) => [r.id, r.name, r.model, r.target_kind, r.scenario_count, r.result_dir]), [
        ['20261123-110000-bbbb', 'faster', 'stories260K', 'openai', 2, b.dir],
        ['20261123-100000-aaaa', 'baseline', 'stories260K', 'openai', 2, a.dir],
      ]);
      assert.equal(all[0]!.config_hash, configHash(b.result.config));
      assert.match(all[0]!.config_hash, /^[0-9a-f]{16}$/);
      assert.deepEqual(listRuns(db, { name: 'base' }).map((r) => r.id), ['20261123-100000-aaaa']);
      assert.deepEqual(listRuns(db, { model: 'STORIES' }).length, 2);
      assert.deepEqual(listRuns(db, { target: '127.0.0.1:8080' }).length, 2);
      assert.deepEqual(listRuns(db, { model: 'llama' }).length, 0);
      assert.deepEqual(listRuns(db, { since: '2026-11-24T00:00:00.000Z' }).length, 0);
      assert.deepEqual(listRuns(db, { until: '2026-11-24T00:00:00.000Z', limit: 1 }).map((r) => r.id), ['20261123-110000-bbbb']);
      assert.equal(findRun(db, '20261123-10')?.id, '20261123-100000-aaaa');
      assert.equal(findRun(db, 'nope'), undefined);
      assert.throws(() => findRun(db, '20261123'), /matches several runs/);
      const sc = runScenarios(db, '20261123-110000-bbbb');
      assert.deepEqual(sc.map((s) => [s.scenario_id, s.summary.accuracy]), [['in8_out4_c1', 0.5], ['in8_out4_c4', 0.5]]);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config hash ignores the name label and key order', () => {
  assert.equal(configHash({ a: 1, b: [1, { y: 2, x: 1 }], name: 'one' }), configHash({ b: [1, { x: 1, y: 2 }], a: 1, name: 'two' }));
  assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  // A RunConfig keeps the label in output.name.
  assert.equal(configHash({ target: 'http://h', output: { name: 'one', out: 'r' } }), configHash({ target: 'http://h', output: { out: 'r', name: 'two' } }));
  assert.equal(configHash({ target: 'http://h', output: { name: 'one' } }), configHash({ target: 'http://h' }));
  assert.notEqual(configHash({ output: { out: 'a' } }), configHash({ output: { out: 'b' } }));
});

test('a corrupt database file is a warning, never an exception, and is left untouched', () => {
  const dir = tmp();
  try {
    const dbPath = join(dir, 'history.db');
    writeFileSync(dbPath, 'this is not a sqlite database, just text that is long enough to have a header........');
    const { result, dir: runDir } = loadFixture('a');
    const r = recordRun({ dbPath }, result, runDir);
    assert.equal(r.ok, false);
    assert.match((r as { warning: string }).warning, /not a valid SQLite database.*results in .* are complete/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database locked by another writer is a warning after the busy timeout', () => {
  const dir = tmp();
  try {
    const dbPath = join(dir, 'history.db');
    openHistory(dbPath).close();
    const holder = new Database(dbPath);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const { result, dir: runDir } = loadFixture('a');
      const t0 = Date.now();
      const r = recordRun({ dbPath }, result, runDir);
      assert.equal(r.ok, false);
      assert.match((r as { warning: string }).warning, /locked by another process/);
      // bounded wait (no lower-bound timing assertion: the machine may be loaded)
      assert.ok(Date.now() - t0 < BUSY_TIMEOUT_MS + 10_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database whose folder cannot be created is a warning', () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'file'), 'x');
    const { result, dir: runDir } = loadFixture('a');
    const r = recordRun({ dbPath: join(dir, 'file', 'history.db') }, result, runDir);
    assert.equal(r.ok, false);
    assert.match((r as { warning: string }).warning, /^run not recorded in history .*file\/history.db: EEXIST: /);
    assert.equal(existsSync(join(dir, 'file', 'history.db')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database from a newer llmbench is left alone with a warning', () => {
  const dir = tmp();
  try {
    const dbPath = join(dir, 'history.db');
    openHistory(dbPath).close();
    const db = new Database(dbPath);
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION + 1);
    db.close();
    const { result, dir: runDir } = loadFixture('a');
    const r = recordRun({ dbPath }, result, runDir);
    assert.equal(r.ok, false);
    assert.match((r as { warning: string }).warning, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this llmbench \\(${SCHEMA_VERSION}\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
