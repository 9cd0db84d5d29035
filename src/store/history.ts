/**
 * The history of runs (SQLite through better-sqlite3). Recording is best effort: the result folder is written
 * before this is called, and a missing, locked or corrupt database only produces a warning.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type RunResult } from '../core/result.js';
import { migrate } from './migrations.js';

/** How long a writer waits for another process's lock before giving up with a warning, ms. */
export const BUSY_TIMEOUT_MS = 250;

export interface HistoryRun {
  id: string;
  started_at: string;
  finished_at: string | null;
  recorded_at: string;
  name: string;
  target_kind: string | null;
  target_url: string | null;
  model: string | null;
  config_hash: string;
  result_dir: string;
  interrupted: boolean;
  tool_version: string | null;
  scenario_count: number;
  /** The `llmbench sweep` that made this run (sweep.json sweep_id); null for a run of its own. */
  sweep_id: string | null;
  /** Highest output tokens/s over the run's scenarios (null when none measured it); listRuns only. */
  max_output_token_throughput?: number | null;
}

export interface HistoryFilter {
  model?: string;
  target?: string;
  name?: string;
  /** ISO 8601 UTC bounds on started_at: since inclusive, until exclusive. */
  since?: string;
  until?: string;
  /** Only the runs of this sweep (exact sweep_id). */
  sweep?: string;
  limit?: number;
}

/** Canonical JSON: object keys sorted, so the same configuration always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Hash of the run configuration without its `name` label, so renamed reruns of one setup share a hash. */
export function configHash(config: Record<string, unknown>): string {
  // The label is `output.name` in a RunConfig (src/runner/config.ts), top-level `name` in older results.
  const { name: _name, ...rest } = config;
  const output = rest.output;
  if (output && typeof output === 'object' && !Array.isArray(output) && 'name' in output) {
    const { name: _label, ...o } = output as Record<string, unknown>;
    if (Object.keys(o).length) rest.output = o;
    else delete rest.output;
  }
  return createHash('sha256').update(canonical(rest)).digest('hex').slice(0, 16);
}

export function openHistory(dbPath: string, opts: { readonly?: boolean } = {}): Database.Database {
  if (!opts.readonly) mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readonly) {
      db.pragma('foreign_keys = ON');
      migrate(db);
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function iso(s: string | null): string | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

export function insertRun(db: Database.Database, result: RunResult, runDir: string, now = new Date(), sweepId: string | null = null): string {
  const id = result.run_id;
  db.transaction(() => {
    // Re-recording a run (same run_id) replaces it, scenarios included (ON DELETE CASCADE).
    db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    db.prepare(
      `INSERT INTO runs (id, started_at, finished_at, recorded_at, name, target_kind, target_url, model, config_hash, result_dir, interrupted, tool_version, scenario_count, sweep_id)
       VALUES (@id, @started_at, @finished_at, @recorded_at, @name, @target_kind, @target_url, @model, @config_hash, @result_dir, @interrupted, @tool_version, @scenario_count, @sweep_id)`,
    ).run({
      id,
      started_at: iso(result.started_at) ?? now.toISOString(),
      finished_at: iso(result.finished_at),
      recorded_at: now.toISOString(),
      name: result.name ?? '',
      target_kind: result.target?.kind ?? null,
      target_url: result.target?.url ?? null,
      model: result.target?.model ?? (typeof result.config.model === 'string' ? result.config.model : null),
      config_hash: configHash(result.config ?? {}),
      result_dir: resolve(runDir),
      interrupted: result.interrupted ? 1 : 0,
      tool_version: result.tool?.version ?? null,
      scenario_count: result.scenarios.length,
      sweep_id: sweepId,
    });
    const ins = db.prepare('INSERT INTO scenarios (run_id, scenario_id, status, dims_json, summary_json, metrics_json) VALUES (?, ?, ?, ?, ?, ?)');
    for (const s of result.scenarios) ins.run(id, s.id, s.status, JSON.stringify(s.dims ?? {}), JSON.stringify(s.summary ?? {}), JSON.stringify(s.metrics ?? {}));
  })();
  return id;
}

/**
 * Records a finished run. Never throws: a database that cannot be created, is locked past BUSY_TIMEOUT_MS or
 * is not a SQLite file comes back as a warning for the caller to print.
 */
export function recordRun(opts: { dbPath: string; sweepId?: string | null }, result: RunResult, runDir: string): { ok: true; id: string } | { ok: false; warning: string } {
  let db: Database.Database | undefined;
  try {
    db = openHistory(opts.dbPath);
    return { ok: true, id: insertRun(db, result, runDir, new Date(), opts.sweepId ?? null) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' ? 'it is locked by another process' : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' ? 'it is not a valid SQLite database (corrupt?)' : (e as Error).message;
    return { ok: false, warning: `run not recorded in history ${opts.dbPath}: ${why}; the results in ${runDir} are complete (use --db FILE or --no-history)` };
  } finally {
    try {
      db?.close();
    } catch {
      // closing a broken handle must not cost the run either
    }
  }
}

function rowToRun(r: Record<string, unknown>): HistoryRun {
  return { ...(r as unknown as HistoryRun), interrupted: r.interrupted === 1 };
}

export function listRuns(db: Database.Database, f: HistoryFilter = {}): HistoryRun[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  if (f.model) (where.push("model LIKE @model ESCAPE '\\'"), (params.model = like(f.model)));
  if (f.target) (where.push("(target_kind LIKE @target ESCAPE '\\' OR target_url LIKE @target ESCAPE '\\')"), (params.target = like(f.target)));
  if (f.name) (where.push("name LIKE @name ESCAPE '\\'"), (params.name = like(f.name)));
  if (f.sweep) (where.push('sweep_id = @sweep'), (params.sweep = f.sweep));
  if (f.since) (where.push('started_at >= @since'), (params.since = f.since));
  if (f.until) (where.push('started_at < @until'), (params.until = f.until));
  const sql = `SELECT runs.*, (SELECT MAX(json_extract(summary_json, '$.output_token_throughput')) FROM scenarios WHERE run_id = runs.id) AS max_output_token_throughput FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC${f.limit ? ` LIMIT ${Math.max(1, Math.floor(f.limit))}` : ''}`;
  return (db.prepare(sql).all(params) as Array<Record<string, unknown>>).map(rowToRun);
}

/** A run by its full id or a unique prefix of it; undefined when none; throws when the prefix is ambiguous. */
export function findRun(db: Database.Database, idOrPrefix: string): HistoryRun | undefined {
  const exact = db.prepare('SELECT * FROM runs WHERE id = ?').get(idOrPrefix) as Record<string, unknown> | undefined;
  if (exact) return rowToRun(exact);
  const rows = db.prepare("SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 3").all(`${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as Array<Record<string, unknown>>;
  if (rows.length > 1) throw new Error(`'${idOrPrefix}' matches several runs (${rows.map((r) => r.id).join(', ')}...)`);
  return rows[0] ? rowToRun(rows[0]) : undefined;
}

export interface HistoryScenario {
  scenario_id: string;
  status: string;
  dims: Record<string, unknown>;
  summary: Record<string, unknown>;
}

export function runScenarios(db: Database.Database, runId: string): HistoryScenario[] {
  const rows = db.prepare('SELECT scenario_id, status, dims_json, summary_json FROM scenarios WHERE run_id = ? ORDER BY rowid').all(runId) as Array<Record<string, string>>;
  return rows.map((r) => ({ scenario_id: r.scenario_id!, status: r.status!, dims: JSON.parse(r.dims_json!), summary: JSON.parse(r.summary_json!) }));
}
