/**
 * Versioned schema of the history database. Migrations are an ordered list; `schema_version` holds the number
 * of the last one applied. Never edit a released migration: append a new one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs and their per-scenario summaries',
    sql: `
      CREATE TABLE runs (
        id           TEXT PRIMARY KEY,   -- results.json run_id
        started_at   TEXT NOT NULL,      -- ISO 8601 UTC
        finished_at  TEXT,
        recorded_at  TEXT NOT NULL,
        name         TEXT NOT NULL,      -- the --name label ('' when none)
        target_kind  TEXT,
        target_url   TEXT,
        model        TEXT,
        config_hash  TEXT NOT NULL,      -- sha256 of the canonical config, 16 hex digits
        result_dir   TEXT NOT NULL,      -- absolute path of the result folder
        interrupted  INTEGER NOT NULL,
        tool_version TEXT,
        scenario_count INTEGER NOT NULL
      );
      CREATE INDEX runs_started_at ON runs(started_at);
      CREATE INDEX runs_model ON runs(model);
      CREATE TABLE scenarios (
        run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        scenario_id  TEXT NOT NULL,
        status       TEXT NOT NULL,
        dims_json    TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        metrics_json TEXT NOT NULL,
        PRIMARY KEY (run_id, scenario_id)
      );`,
  },
  {
    version: 2,
    description: 'runs made by `llmbench sweep` carry the sweep id (null for runs of their own)',
    sql: `
      ALTER TABLE runs ADD COLUMN sweep_id TEXT;
      CREATE INDEX runs_sweep_id ON runs(sweep_id);`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Applies every migration newer than the database, each in its own transaction. */
export function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  let current = row.v ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(`history database has schema version ${current}, newer than this llmbench (${SCHEMA_VERSION}); upgrade llmbench or use another --db`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
    })();
    current = m.version;
  }
  return current;
}
