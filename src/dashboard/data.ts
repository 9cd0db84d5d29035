/**
 * What the dashboard shows, read from the history database (read-only, any schema version) and the result
 * folders. Nothing here writes: the database is opened with `readonly` and never migrated, folders are only
 * listed and read. Results are cached by file modification time, so a page over hundreds of runs re-reads only
 * what changed.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { type RunResult, type ScenarioResult } from '../core/result.js';
import { parseRecords, type RequestRecord } from '../core/record.js';
import { isRunResult } from '../reports/inputs.js';
import { BUSY_TIMEOUT_MS } from '../store/history.js';
import { HEARTBEAT_FILE, HEARTBEAT_SCHEMA } from '../runner/heartbeat.js';

/** A heartbeat older than this is a crashed or killed run, not a live one (the runner beats every second). */
export const HEARTBEAT_STALE_MS = 5000;
export const SWEEP_FILE = 'sweep.json';
export const SWEEP_SCHEMA = 'llmbench.sweep/v1';

export type RunStatus = 'live' | 'ok' | 'failed' | 'interrupted' | 'partial' | 'missing';

/** Key figures of one scenario, as the runs table shows them (null: not measured). */
export interface Figures {
  output_token_throughput: number | null;
  ttft_ms_p50: number | null;
  ttft_ms_p99: number | null;
  tpot_ms_p50: number | null;
  tpot_ms_p90: number | null;
  accuracy: number | null;
  peak_memory_bytes: number | null;
}

export interface ScenarioRow extends Figures {
  id: string;
  status: string;
  dims: Record<string, unknown>;
}

/** One row of the runs table and of `/api/runs`. */
export interface RunRow extends Figures {
  id: string;
  name: string;
  model: string | null;
  target: string | null;
  /** Embedded-engine settings from the run's configuration ("threads=4 batch-size=512"); null for servers. */
  engine: string | null;
  started_at: string | null;
  finished_at: string | null;
  status: RunStatus;
  /** The scenario the run's figures come from: the one with the highest output tokens/s. */
  best_scenario: string | null;
  scenarios: ScenarioRow[];
  /** Where the row came from: the history database, a result folder, or both. */
  source: 'history' | 'folder' | 'both';
  sweep: string | null;
}

export interface LoadedDashboardRun {
  row: RunRow;
  dir: string | null;
  result: RunResult | null;
  records: RequestRecord[];
}

export interface SweepRow {
  id: string;
  name: string;
  dir: string;
  created_at: string | null;
  points: number;
  best: unknown;
}

export interface LiveRun {
  id: string;
  dir: string;
  name: string;
  started_at: string | null;
  updated_at: string;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function stat(s: { metrics?: Record<string, unknown> }, metric: string, k: string): number | null {
  const d = s.metrics?.[metric] as Record<string, unknown> | undefined;
  return d ? num(d[k]) : null;
}

function peakMemory(s: Record<string, unknown>): number | null {
  const mem = s.memory as Record<string, unknown> | null | undefined;
  const tel = (s.telemetry as { summary?: Record<string, unknown> } | null | undefined)?.summary;
  const vals = [num(mem?.peak_rss_bytes), num(tel?.memory_used_peak_bytes)].filter((v): v is number => v !== null);
  return vals.length ? Math.max(...vals) : null;
}

export function scenarioFigures(s: { summary?: Record<string, unknown>; metrics?: Record<string, unknown> } & Record<string, unknown>): Figures {
  return {
    output_token_throughput: num(s.summary?.output_token_throughput),
    ttft_ms_p50: stat(s, 'ttft_ms', 'p50'),
    ttft_ms_p99: stat(s, 'ttft_ms', 'p99'),
    tpot_ms_p50: stat(s, 'tpot_ms', 'p50'),
    tpot_ms_p90: stat(s, 'tpot_ms', 'p90'),
    accuracy: num(s.summary?.accuracy),
    peak_memory_bytes: peakMemory(s),
  };
}

const EMPTY: Figures = { output_token_throughput: null, ttft_ms_p50: null, ttft_ms_p99: null, tpot_ms_p50: null, tpot_ms_p90: null, accuracy: null, peak_memory_bytes: null };

function runFigures(scenarios: ScenarioRow[]): { figures: Figures; best: string | null } {
  let best: ScenarioRow | undefined;
  for (const s of scenarios) if (s.output_token_throughput !== null && (!best || s.output_token_throughput > best.output_token_throughput!)) best = s;
  best ??= scenarios[0];
  if (!best) return { figures: EMPTY, best: null };
  const { id, status: _s, dims: _d, ...figures } = best;
  // Accuracy and memory are the run's best/peak over all scenarios, not only the fastest one's.
  const acc = scenarios.map((s) => s.accuracy).filter((v): v is number => v !== null);
  const mem = scenarios.map((s) => s.peak_memory_bytes).filter((v): v is number => v !== null);
  return { figures: { ...figures, accuracy: acc.length ? Math.max(...acc) : null, peak_memory_bytes: mem.length ? Math.max(...mem) : null }, best: id };
}

const ENGINE_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['threads', 'threads'], ['batchSize', 'batch-size'], ['contextSize', 'context-size'], ['gpuLayers', 'gpu-layers'], ['kvCacheType', 'kv-cache-type'], ['flashAttention', 'flash-attention'],
];

export function engineSettings(config: Record<string, unknown> | undefined): string | null {
  if (!config) return null;
  // The recorded RunConfig keeps engine settings under `engine`; runs written before it kept them flat.
  const src = config.engine && typeof config.engine === 'object' ? (config.engine as Record<string, unknown>) : config;
  const parts: string[] = [];
  for (const [k, label] of ENGINE_KEYS) {
    const v = src[k];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    parts.push(`${label}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  return parts.length ? parts.join(' ') : null;
}

function runStatus(r: RunResult): RunStatus {
  if (r.interrupted) return 'interrupted';
  if (r.finished_at === null) return 'partial';
  return r.scenarios.some((s) => s.status !== 'ok') ? 'failed' : 'ok';
}

function rowFromResult(r: RunResult): RunRow {
  const scenarios: ScenarioRow[] = r.scenarios.map((s) => ({ id: s.id, status: s.status, dims: s.dims ?? {}, ...scenarioFigures(s as ScenarioResult & Record<string, unknown>) }));
  const { figures, best } = runFigures(scenarios);
  return {
    id: r.run_id,
    name: r.name ?? '',
    model: r.target?.model ?? (typeof r.config?.model === 'string' ? r.config.model : Array.isArray(r.config?.models) && typeof r.config.models[0] === 'string' ? r.config.models[0] : null),
    target: r.target ? `${r.target.kind}${r.target.url ? ` ${r.target.url}` : ''}` : null,
    engine: engineSettings(r.config),
    started_at: r.started_at ?? null,
    finished_at: r.finished_at ?? null,
    status: runStatus(r),
    best_scenario: best,
    scenarios,
    source: 'folder',
    sweep: null,
    ...figures,
  };
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of `p` when it exists and lies inside `root` (symlinks resolved), else null. */
export function containedPath(root: string, p: string): string | null {
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(p);
    return isInside(realRoot, real) ? real : null;
  } catch {
    return null;
  }
}

interface Cached<T> {
  mtimeMs: number;
  size: number;
  value: T;
}

export interface DashboardSourceOptions {
  /** The history database; absent or missing: folders only. */
  dbPath?: string | null;
  /** Result folders to scan (the runs directly inside, and sweeps' point folders). */
  resultDirs: string[];
  now?: () => number;
}

export class DashboardData {
  readonly resultDirs: string[];
  private readonly dbPath: string | null;
  private readonly now: () => number;
  private readonly resultCache = new Map<string, Cached<RunResult | null>>();
  private readonly recordCache = new Map<string, Cached<RequestRecord[]>>();

  constructor(opts: DashboardSourceOptions) {
    this.resultDirs = opts.resultDirs.map((d) => resolve(d));
    this.dbPath = opts.dbPath ? resolve(opts.dbPath) : null;
    this.now = opts.now ?? Date.now;
  }

  /** Rows of the history database, whatever its schema version (columns are read by name, extras kept). */
  private historyRows(): Array<{ run: Record<string, unknown>; scenarios: Array<Record<string, unknown>> }> {
    if (!this.dbPath || !existsSync(this.dbPath)) return [];
    let db: Database.Database | undefined;
    try {
      db = new Database(this.dbPath, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
      const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
      if (!tables.has('runs')) return [];
      const runs = db.prepare('SELECT * FROM runs ORDER BY started_at DESC, id DESC').all() as Array<Record<string, unknown>>;
      const scen = tables.has('scenarios') ? (db.prepare('SELECT * FROM scenarios ORDER BY rowid').all() as Array<Record<string, unknown>>) : [];
      const byRun = new Map<string, Array<Record<string, unknown>>>();
      for (const s of scen) byRun.set(String(s.run_id), [...(byRun.get(String(s.run_id)) ?? []), s]);
      return runs.map((run) => ({ run, scenarios: byRun.get(String(run.id)) ?? [] }));
    } catch {
      // A locked or broken database costs the history rows, never the folders' runs.
      return [];
    } finally {
      db?.close();
    }
  }

  private cached<T>(cache: Map<string, Cached<T>>, file: string, read: (text: string) => T): T | null {
    let st;
    try {
      st = statSync(file);
    } catch {
      cache.delete(file);
      return null;
    }
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value;
    let value: T;
    try {
      value = read(readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
    cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, value });
    return value;
  }

  readResult(dir: string): RunResult | null {
    return this.cached(this.resultCache, join(dir, 'results.json'), (t) => {
      const v = JSON.parse(t) as unknown;
      return isRunResult(v) ? v : null;
    });
  }

  readRecords(dir: string): RequestRecord[] {
    return this.cached(this.recordCache, join(dir, 'requests.jsonl'), (t) => parseRecords(t).records) ?? [];
  }

  /** Run folders under the result roots: `<root>/<run>/`, and sweeps' `<root>/<sweep>/point-<k>/[<run>/]`. */
  runDirs(): string[] {
    const out: string[] = [];
    const list = (d: string): string[] => {
      try {
        return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(d, e.name));
      } catch {
        return [];
      }
    };
    for (const root of this.resultDirs) {
      for (const d of list(root)) {
        if (existsSync(join(d, 'results.json'))) out.push(d);
        if (!existsSync(join(d, SWEEP_FILE))) continue;
        for (const p of list(d)) {
          if (existsSync(join(p, 'results.json'))) out.push(p);
          for (const q of list(p)) if (existsSync(join(q, 'results.json'))) out.push(q);
        }
      }
    }
    return out;
  }

  /** Every run, newest first: the history's rows joined with the folders' results by run id. */
  runs(): RunRow[] {
    return this.index().map((x) => x.row);
  }

  private index(): Array<{ row: RunRow; dir: string | null }> {
    const byId = new Map<string, { row: RunRow; dir: string | null }>();
    for (const dir of this.runDirs()) {
      const r = this.readResult(dir);
      if (!r || byId.has(r.run_id)) continue;
      const row = rowFromResult(r);
      if (this.liveHeartbeat(dir)) row.status = 'live';
      byId.set(r.run_id, { row, dir });
    }
    for (const { run, scenarios } of this.historyRows()) {
      const id = String(run.id);
      const sweep = typeof run.sweep_id === 'string' ? run.sweep_id : null;
      const have = byId.get(id);
      if (have) {
        have.row.source = 'both';
        have.row.sweep ??= sweep;
        continue;
      }
      // A recorded run whose folder is outside the result roots: read the folder the history names.
      const dir = typeof run.result_dir === 'string' ? run.result_dir : null;
      const r = dir ? this.readResult(dir) : null;
      if (r && r.run_id === id) {
        const row = rowFromResult(r);
        row.source = 'both';
        row.sweep = sweep;
        byId.set(id, { row, dir });
        continue;
      }
      const scen: ScenarioRow[] = scenarios.map((s) => {
        const parse = (v: unknown) => {
          try {
            return JSON.parse(String(v)) as Record<string, unknown>;
          } catch {
            return {};
          }
        };
        return { id: String(s.scenario_id), status: String(s.status), dims: parse(s.dims_json), ...scenarioFigures({ summary: parse(s.summary_json), metrics: parse(s.metrics_json) }) };
      });
      const { figures, best } = runFigures(scen);
      byId.set(id, {
        dir: null,
        row: {
          id,
          name: String(run.name ?? ''),
          model: typeof run.model === 'string' ? run.model : null,
          target: typeof run.target_kind === 'string' ? `${run.target_kind}${typeof run.target_url === 'string' && run.target_url ? ` ${run.target_url}` : ''}` : null,
          engine: null,
          started_at: typeof run.started_at === 'string' ? run.started_at : null,
          finished_at: typeof run.finished_at === 'string' ? run.finished_at : null,
          // The history names a folder that is gone: its figures are still shown, its pages say so.
          status: 'missing',
          best_scenario: best,
          scenarios: scen,
          source: 'history',
          sweep,
          ...figures,
        },
      });
    }
    return [...byId.values()].sort((a, b) => (b.row.started_at ?? '').localeCompare(a.row.started_at ?? '') || b.row.id.localeCompare(a.row.id));
  }

  /** One run with its records; undefined when no run has that id. */
  run(id: string): LoadedDashboardRun | undefined {
    const hit = this.index().find((x) => x.row.id === id);
    if (!hit) return undefined;
    const result = hit.dir ? this.readResult(hit.dir) : null;
    return { row: hit.row, dir: hit.dir, result, records: hit.dir ? this.readRecords(hit.dir) : [] };
  }

  /** The folder of a run, for serving its files; null when unknown. */
  runDir(id: string): string | null {
    return this.index().find((x) => x.row.id === id)?.dir ?? null;
  }

  /** The heartbeat of a folder when it is fresh, else null. */
  liveHeartbeat(dir: string): { run_id: string; started_at: string | null; updated_at: string } | null {
    const file = join(dir, HEARTBEAT_FILE);
    try {
      const st = statSync(file);
      const body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (body.schema !== HEARTBEAT_SCHEMA || typeof body.run_id !== 'string') return null;
      const updated = Date.parse(String(body.updated_at));
      // Both the writer's clock and the file's mtime must be recent: neither a stale file nor a bad clock passes.
      const age = this.now() - Math.max(Number.isNaN(updated) ? 0 : updated, 0);
      const mage = this.now() - st.mtimeMs;
      if (age > HEARTBEAT_STALE_MS || mage > HEARTBEAT_STALE_MS) return null;
      return { run_id: body.run_id, started_at: typeof body.started_at === 'string' ? body.started_at : null, updated_at: String(body.updated_at) };
    } catch {
      return null;
    }
  }

  live(): LiveRun[] {
    const out: LiveRun[] = [];
    for (const dir of this.runDirs()) {
      const hb = this.liveHeartbeat(dir);
      if (!hb) continue;
      const r = this.readResult(dir);
      out.push({ id: r?.run_id ?? hb.run_id, dir, name: r?.name ?? '', started_at: hb.started_at, updated_at: hb.updated_at });
    }
    return out;
  }

  sweepDirs(): string[] {
    const out: string[] = [];
    for (const root of this.resultDirs) {
      let entries: string[] = [];
      try {
        entries = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(root, e.name));
      } catch {
        continue;
      }
      for (const d of entries) if (existsSync(join(d, SWEEP_FILE))) out.push(d);
    }
    return out;
  }

  readSweep(dir: string): Record<string, unknown> | null {
    try {
      const v = JSON.parse(readFileSync(join(dir, SWEEP_FILE), 'utf8')) as Record<string, unknown>;
      return v && typeof v === 'object' && v.schema === SWEEP_SCHEMA ? v : null;
    } catch {
      return null;
    }
  }

  /** Sweeps by folder name (the sweep's id in URLs), newest first. */
  sweeps(): SweepRow[] {
    const out: SweepRow[] = [];
    for (const dir of this.sweepDirs()) {
      const s = this.readSweep(dir);
      if (!s) continue;
      const id = dir.split(sep).pop()!;
      out.push({
        id,
        name: typeof s.name === 'string' ? s.name : id,
        dir,
        created_at: typeof s.started_at === 'string' ? s.started_at : typeof s.created_at === 'string' ? s.created_at : null,
        points: Array.isArray(s.points) ? s.points.length : 0,
        best: s.best ?? null,
      });
    }
    return out.sort((a, b) => b.id.localeCompare(a.id));
  }

  sweep(id: string): { row: SweepRow; sweep: Record<string, unknown> } | undefined {
    const row = this.sweeps().find((s) => s.id === id);
    if (!row) return undefined;
    const sweep = this.readSweep(row.dir);
    return sweep ? { row, sweep } : undefined;
  }
}
