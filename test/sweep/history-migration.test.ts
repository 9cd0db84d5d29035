import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { listRuns, openHistory, recordRun } from '../../src/store/history.js';
import { type RunResult } from '../../src/core/result.js';
import { tempDir } from '../support/cli.js';

function result(id: string): RunResult {
  return { run_id: id, started_at: '2026-12-01T10:00:00Z', finished_at: '2026-12-01T10:01:00Z', name: 'n', interrupted: false, config: {}, target: null, tool: { name: 'llmbench', version: '0.1.0' }, scenarios: [] } as unknown as RunResult;
}

test('history migration 2: a version-1 database gains runs.sweep_id (null for its old runs); sweep runs carry their id', () => {
  const db = join(tempDir(), 'history.db');
  // A database as llmbench with only migration 1 left it, with one run in it.
  const v1 = new Database(db);
  v1.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
  v1.exec(MIGRATIONS[0]!.sql);
  v1.prepare('INSERT INTO schema_version (version) VALUES (1)').run();
  v1.prepare("INSERT INTO runs (id, started_at, recorded_at, name, config_hash, result_dir, interrupted, scenario_count) VALUES ('old', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', 'old', 'h', '/r/old', 0, 0)").run();
  v1.close();

  assert.equal(SCHEMA_VERSION, 2);
  assert.deepEqual(recordRun({ dbPath: db, sweepId: 'sweep-1' }, result('new'), '/r/new'), { ok: true, id: 'new' });
  assert.deepEqual(recordRun({ dbPath: db }, result('alone'), '/r/alone'), { ok: true, id: 'alone' });
  const h = openHistory(db, { readonly: true });
  assert.equal((h.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v, 2);
  assert.deepEqual(listRuns(h).map((r) => [r.id, r.sweep_id]).sort(), [['alone', null], ['new', 'sweep-1'], ['old', null]]);
  assert.deepEqual(listRuns(h, { sweep: 'sweep-1' }).map((r) => r.id), ['new']);
  h.close();
});
