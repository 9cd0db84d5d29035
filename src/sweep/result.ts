/** The shape of sweep.json (schema "llmbench.sweep/v1", published as docs/sweep.schema.json). */
import { type Distribution, type ScenarioSummary } from '../core/result.js';
import { type SlaCheck } from './sla.js';
import { type ParamValue } from './template.js';

export const SWEEP_SCHEMA = 'llmbench.sweep/v1';

export type PointStatus = 'ok' | 'server_failed' | 'failed' | 'interrupted';

/** One measurement of one load (a searched load near its limit has three). */
export interface LoadEntry {
  /** The load: concurrency (requests in flight) or rate (requests/s); null for a batch scenario. */
  load: number | null;
  over: 'concurrency' | 'rate' | null;
  /** 1 for the first measurement of this load, 2 and 3 for the repeats of a near-limit load. */
  attempt: number;
  /** The run folder, relative to the sweep folder. */
  run_dir: string | null;
  run_id: string | null;
  scenario: string | null;
  status: 'ok' | 'failed' | 'interrupted';
  summary: ScenarioSummary | null;
  /** TTFT, TPOT and E2E distributions of the scenario (the rest is in its results.json). */
  metrics: Record<string, Distribution>;
  /** Each SLA line with its measured value and margin; empty without an sla. */
  sla: SlaCheck[];
  /** This measurement met every SLA line. */
  meets: boolean;
  /** Some value was within 5 % of its limit (the load is then measured three times). */
  near_limit: boolean;
  /** The load met the SLA in every one of its measurements (the same on each of them). */
  load_meets: boolean;
}

export interface CellResult {
  /** The cell's workload values (benchmark keys), e.g. { "input-tokens": 1024 }. */
  workload: Record<string, unknown>;
  loads: LoadEntry[];
  feasible_max: number | null;
  infeasible_min: number | null;
}

export interface PointResult {
  index: number;
  /** Folder of this point's runs and server.log, relative to the sweep folder. */
  dir: string;
  /** The server's name (servers[].name); null for the one-server shorthand and engine sweeps. */
  server: string | null;
  parameters: Record<string, ParamValue>;
  status: PointStatus;
  reason: string | null;
  server_log_tail: string[] | null;
  /** Server start to first 200 from the ready path, seconds (cold start); null without a server. */
  startup_s: number | null;
  /** The rendered command line and target, and the process group id it ran in. */
  command: string | null;
  target: string | null;
  server_pid: number | null;
  /** With one workload cell: its loads and bounds stand here; with several, in cells[]. */
  loads?: LoadEntry[];
  feasible_max?: number | null;
  infeasible_min?: number | null;
  cells?: CellResult[];
}

export interface RankEntry {
  point: number;
  server: string | null;
  parameters: Record<string, ParamValue>;
  /** The workload cell (only with several cells). */
  workload?: Record<string, unknown>;
  /** The point's feasible_max. */
  load: number;
  over: 'concurrency' | 'rate' | null;
  /** Mean over the measurements of that load. */
  output_token_throughput: number | null;
  output_tokens_per_client: number | null;
}

export interface SweepResult {
  schema: typeof SWEEP_SCHEMA;
  sweep_id: string;
  name: string;
  tool: { name: 'llmbench'; version: string };
  started_at: string;
  finished_at: string | null;
  /** Every point has a final status (ok, server_failed, failed): nothing left to --resume. */
  complete: boolean;
  interrupted: boolean;
  devices: number | null;
  plan: Record<string, unknown>;
  /** The plan file the sweep was started from (its folder anchors the plan's relative paths). */
  plan_file: string | null;
  points: PointResult[];
  best: RankEntry | null;
  ranking: RankEntry[];
}

/** A point's workload cells: its cells[], or the one cell whose loads stand on the point. */
export function cellsOf(p: PointResult): CellResult[] {
  return p.cells ?? [{ workload: {}, loads: p.loads ?? [], feasible_max: p.feasible_max ?? null, infeasible_min: p.infeasible_min ?? null }];
}

/** How a point is named in tables and charts: its server's name and parameter values. */
export function pointLabel(p: { server: string | null; parameters: Record<string, unknown> }): string {
  const params = Object.entries(p.parameters).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return [p.server, params].filter(Boolean).join(' ') || 'default';
}

export function workloadLabel(w: Record<string, unknown>): string {
  return Object.entries(w).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}
