/**
 * Runs a checked sweep plan: per point, start its server (or none), measure every workload cell (the benchmark's
 * own loads, or a search for the highest load meeting the SLA), stop the server, and rewrite sweep.json after
 * every point so an interrupted sweep keeps everything finished and can be resumed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type RunResult, type ScenarioResult } from '../core/result.js';
import { EXIT_CODES } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { writeJsonAtomic } from '../runner/output.js';
import { renderConfig, writeConfig } from './config-file.js';
import { type Measure, type MeasureLoad } from './measure.js';
import { type PointSpec, type SweepPlan } from './plan.js';
import { type CellResult, cellsOf, type LoadEntry, pointLabel, type PointResult, type RankEntry, SWEEP_SCHEMA, type SweepResult } from './result.js';
import { searchLoad } from './search.js';
import { freePort, logTail, type ReadyTls, ServerProcess, describeExit, waitPortFree } from './server.js';
import { checkSla, nearLimit } from './sla.js';
import { render, type ParamValue } from './template.js';

/** Measurements of a load that is near its limit (the first one included). */
export const NEAR_LIMIT_MEASUREMENTS = 3;

export interface SweepHooks {
  /** Called for every finished run (the CLI records it in the history with the sweep id). */
  onRun?: (runDir: string, result: RunResult) => void;
  /** Progress lines for the terminal. */
  log?: (line: string) => void;
}

export interface SweepRunOptions {
  plan: SweepPlan;
  dir: string;
  name: string;
  sweepId: string;
  measure: Measure;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
  /** A previous sweep.json of this folder (--resume): its finished points are kept. */
  previous?: SweepResult | null;
  hooks?: SweepHooks;
  /** Absolute path of the plan file (recorded, so --resume resolves the plan's relative paths as before). */
  planFile?: string;
  /** Called once the sweep folder exists (the CLI copies the plan into it). */
  onStart?: () => void;
}

function mean(xs: Array<number | null | undefined>): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** The load a scenario ran at, as the sweep counts it. */
function scenarioLoad(s: ScenarioResult): { load: number | null; over: LoadEntry['over'] } {
  if (typeof s.dims.rate === 'number') return { load: s.dims.rate, over: 'rate' };
  if (typeof s.dims.concurrency === 'number') return { load: s.dims.concurrency, over: 'concurrency' };
  return { load: null, over: null };
}

function entryFor(plan: SweepPlan, sweepDir: string, runDir: string | null, result: RunResult | null, s: ScenarioResult | null, load: number | null, over: LoadEntry['over'], attempt: number): LoadEntry {
  const sla = s ? checkSla(s, plan.sla) : [];
  const metrics: LoadEntry['metrics'] = {};
  for (const k of ['ttft_ms', 'tpot_ms', 'e2e_ms']) if (s?.metrics[k]) metrics[k] = s.metrics[k]!;
  const meets = s !== null && s.status === 'ok' && sla.every((c) => c.ok);
  return {
    load,
    over,
    attempt,
    run_dir: runDir ? relative(sweepDir, runDir) : null,
    run_id: result?.run_id ?? null,
    scenario: s?.id ?? null,
    status: s?.status ?? 'failed',
    summary: s?.summary ?? null,
    metrics,
    sla,
    meets,
    near_limit: nearLimit(sla),
    load_meets: meets,
  };
}

/** Highest load meeting the SLA and lowest failing it, over a cell's loads (grid mode). */
function bounds(loads: readonly LoadEntry[]): { feasible_max: number | null; infeasible_min: number | null } {
  let fmax: number | null = null;
  let imin: number | null = null;
  for (const l of loads) {
    if (l.load === null) continue;
    if (l.load_meets) fmax = fmax === null ? l.load : Math.max(fmax, l.load);
    else imin = imin === null ? l.load : Math.min(imin, l.load);
  }
  return { feasible_max: fmax, infeasible_min: imin };
}

export function rankPoints(points: readonly PointResult[]): RankEntry[] {
  const out: RankEntry[] = [];
  for (const p of points) {
    if (p.status !== 'ok') continue;
    for (const c of cellsOf(p)) {
      if (c.feasible_max === null) continue;
      const at = c.loads.filter((l) => l.load === c.feasible_max && l.load_meets);
      out.push({
        point: p.index,
        server: p.server,
        parameters: p.parameters,
        ...(p.cells ? { workload: c.workload } : {}),
        load: c.feasible_max,
        over: at[0]?.over ?? null,
        output_token_throughput: mean(at.map((l) => l.summary?.output_token_throughput)),
        output_tokens_per_client: mean(at.map((l) => l.summary?.output_tokens_per_client)),
      });
    }
  }
  return out.sort((a, b) => (b.output_token_throughput ?? -Infinity) - (a.output_token_throughput ?? -Infinity) || a.point - b.point);
}

/** Exit code of a finished sweep (docs/sweep.md §Exit codes). */
export function sweepExitCode(r: SweepResult, hasSla: boolean): number {
  if (r.interrupted) return EXIT_CODES.interrupted;
  if (hasSla && r.ranking.length === 0) return EXIT_CODES.threshold;
  if (r.points.some((p) => p.status === 'server_failed' || p.status === 'failed')) return EXIT_CODES.scenarioFailed;
  return EXIT_CODES.ok;
}

/** The benchmark's TLS options, read for polling an https ready path the way the runs will connect. */
function readyTls(plan: SweepPlan): ReadyTls {
  const b = plan.benchmark;
  const file = (k: string) => (typeof b[k] === 'string' ? readFileSync(resolve(plan.baseDir, b[k] as string), 'utf8') : undefined);
  return { ca: file('ca-cert'), cert: file('client-cert'), key: file('client-key'), insecure: b.insecure === true };
}

export async function runSweep(o: SweepRunOptions): Promise<SweepResult> {
  const { plan, dir } = o;
  const log = o.hooks?.log ?? (() => undefined);
  mkdirSync(dir, { recursive: true });
  const result: SweepResult = {
    schema: SWEEP_SCHEMA,
    sweep_id: o.sweepId,
    name: o.name,
    tool: { name: 'llmbench', version: VERSION },
    started_at: o.previous?.started_at ?? new Date().toISOString(),
    finished_at: null,
    complete: false,
    interrupted: false,
    devices: plan.devices,
    plan: plan.raw,
    plan_file: o.planFile ?? null,
    points: [],
    best: null,
    ranking: [],
  };
  const save = () => writeJsonAtomic(join(dir, 'sweep.json'), result);
  save();
  o.onStart?.();

  for (const [k, spec] of plan.points.entries()) {
    const prev = o.previous?.points.find((p) => p.index === k);
    if (prev && prev.status !== 'interrupted') {
      log(`point ${k} (${pointLabel(prev)}): kept from the previous sweep (${prev.status})`);
      result.points.push(prev);
      continue;
    }
    if (o.signal.aborted) break;
    const pointDir = join(dir, `point-${k}`);
    if (existsSync(pointDir)) {
      // An interrupted point is run again from its start; what it had is kept beside, not deleted.
      const aside = `${pointDir}.interrupted`;
      rmSync(aside, { recursive: true, force: true });
      renameSync(pointDir, aside);
    }
    mkdirSync(pointDir, { recursive: true });
    log(`point ${k} (${pointLabel({ server: spec.server?.name ?? null, parameters: spec.parameters })})`);
    const p = await runPoint(o, k, spec, pointDir, save, result);
    log(`point ${k}: ${p.status}${p.reason ? ` (${p.reason})` : ''}`);
    if (p.status === 'interrupted') {
      result.interrupted = true;
      break;
    }
  }
  if (o.signal.aborted) result.interrupted = true;
  result.ranking = rankPoints(result.points);
  result.best = result.ranking[0] ?? null;
  result.complete = !result.interrupted && result.points.length === plan.points.length && result.points.every((p) => p.status !== 'interrupted');
  result.finished_at = new Date().toISOString();
  save();
  return result;
}

async function runPoint(o: SweepRunOptions, k: number, spec: PointSpec, pointDir: string, save: () => void, sweep: SweepResult): Promise<PointResult> {
  const { plan } = o;
  const log = o.hooks?.log ?? (() => undefined);
  const point: PointResult = {
    index: k,
    dir: `point-${k}`,
    server: spec.server?.name ?? null,
    parameters: spec.parameters,
    status: 'ok',
    reason: null,
    server_log_tail: null,
    startup_s: null,
    command: null,
    target: null,
    server_pid: null,
  };
  sweep.points.push(point);
  const cells: CellResult[] = plan.cells.map((workload) => ({ workload, loads: [], feasible_max: null, infeasible_min: null }));
  // The point holds the cells' own arrays, so every save() shows the measurements made so far.
  if (cells.length === 1) Object.assign(point, { loads: cells[0]!.loads, feasible_max: null, infeasible_min: null });
  else point.cells = cells;
  const finish = () => {
    if (cells.length === 1) {
      point.loads = cells[0]!.loads;
      point.feasible_max = cells[0]!.feasible_max;
      point.infeasible_min = cells[0]!.infeasible_min;
    } else point.cells = cells;
    save();
  };

  let server: ServerProcess | null = null;
  let port: number | null = null;
  const logPath = join(pointDir, 'server.log');
  const failServer = (reason: string) => {
    point.status = 'server_failed';
    point.reason = reason;
    point.server_log_tail = logTail(logPath);
  };
  try {
    let target: string | null = null;
    if (spec.server) {
      const s = spec.server;
      port = await freePort();
      const values: Record<string, ParamValue> = { ...spec.parameters, port };
      if (typeof plan.benchmark.model === 'string') values.model = plan.benchmark.model;
      if (s.configFile) {
        values.config_file = render(s.configFile.path, values);
        writeConfig(values.config_file, renderConfig(s.configFile.templateDoc, s.configFile.set, values));
        // A copy beside the runs, so the point's folder says exactly what the server was given.
        writeConfig(join(pointDir, 'config.json'), renderConfig(s.configFile.templateDoc, s.configFile.set, values));
      }
      point.command = render(s.command, values);
      target = render(s.target, values);
      point.target = target;
      const env = Object.fromEntries(Object.entries(s.env).map(([key, v]) => [key, render(v, values)]));
      const t0 = performance.now();
      server = ServerProcess.start({ command: point.command, env, cwd: plan.baseDir, logPath });
      point.server_pid = server.pid;
      save();
      // The ready path is absolute: it resolves against the server's origin whatever path the target has (/v1).
      const ready = await server.waitReady(new URL(s.ready.path, target).href, s.ready.timeoutMs, o.signal, readyTls(plan));
      if (!ready.ready) {
        if (ready.aborted) {
          point.status = 'interrupted';
          point.reason = 'interrupted while the server was starting';
        } else failServer(ready.reason);
        finish();
        return point;
      }
      point.startup_s = (performance.now() - t0) / 1000;
    } else if (typeof plan.benchmark.target === 'string') {
      target = plan.benchmark.target;
      point.target = target;
    }

    const baseOptions: Record<string, unknown> = { ...plan.benchmark };
    delete baseOptions.target;
    if (!spec.server) Object.assign(baseOptions, spec.parameters);
    const name = `${o.name}_p${k}`;
    const serverDied = () => (server?.exit ? `the server died during the benchmark (${describeExit(server.exit)})` : null);

    for (const cell of cells) {
      const options = { ...baseOptions, ...cell.workload };
      const measureOnce = async (load: MeasureLoad | null) => {
        const requests = load && plan.benchmark.requests === undefined && plan.benchmark.duration === undefined ? Math.max(20, Math.ceil(4 * load.value)) : null;
        const m = await o.measure({ target, options, load, requests, outDir: pointDir, name, env: o.env, cwd: plan.baseDir, signal: o.signal });
        if (m.runDir && m.result) o.hooks?.onRun?.(m.runDir, m.result);
        // A server that died mid-run fails the run's requests before node has delivered its 'exit' event: give that
        // event a moment whenever requests failed, so a dead server is told from a slow one (serverDied below).
        const failedAny = !m.result || m.result.scenarios.some((sc) => sc.summary.requests_failed > 0);
        if (server && !server.exit && failedAny) await Promise.race([server.exited, new Promise((r) => setTimeout(r, 2000))]);
        return m;
      };
      if (plan.search) {
        const over = plan.search.over;
        let stopReason: 'interrupted' | 'server' | 'failed' | null = null;
        const out = await searchLoad(plan.search, async (load) => {
          const entries: LoadEntry[] = [];
          for (let attempt = 1; attempt <= NEAR_LIMIT_MEASUREMENTS; attempt++) {
            const m = await measureOnce({ over, value: load });
            const s = m.result?.scenarios[0] ?? null;
            if (m.exitCode === EXIT_CODES.interrupted || o.signal.aborted) stopReason = 'interrupted';
            else if (serverDied()) stopReason = 'server';
            else if (!s) {
              stopReason = 'failed';
              point.reason = m.error ?? 'the run wrote no results';
            }
            if (stopReason) {
              if (s) cell.loads.push(entryFor(plan, o.dir, m.runDir, m.result, s, load, over, attempt));
              return null;
            }
            const e = entryFor(plan, o.dir, m.runDir, m.result, s, load, over, attempt);
            entries.push(e);
            cell.loads.push(e);
            save();
            // Noise: a load measured near a limit is measured again; one violation is enough to fail it.
            if (!e.meets || (attempt === 1 && !e.near_limit)) break;
          }
          const meets = entries.every((e) => e.meets);
          for (const e of entries) e.load_meets = meets;
          log(`  ${over} ${load}: ${meets ? 'meets the SLA' : 'violates the SLA'}${entries.length > 1 ? ` (${entries.length} measurements: near a limit)` : ''}`);
          return meets;
        });
        cell.feasible_max = out.feasible_max;
        cell.infeasible_min = out.infeasible_min;
        if (stopReason === 'interrupted') point.status = 'interrupted';
        else if (stopReason === 'server') failServer(serverDied()!);
        else if (stopReason === 'failed') point.status = 'failed';
        if (stopReason) break;
      } else {
        const m = await measureOnce(null);
        if (m.result) for (const s of m.result.scenarios) {
          const { load, over } = scenarioLoad(s);
          cell.loads.push(entryFor(plan, o.dir, m.runDir, m.result, s, load, over, 1));
        }
        Object.assign(cell, bounds(cell.loads));
        if (m.exitCode === EXIT_CODES.interrupted || o.signal.aborted) point.status = 'interrupted';
        else if (serverDied()) failServer(serverDied()!);
        else if (!m.result) {
          point.status = 'failed';
          point.reason = m.error ?? 'the run wrote no results';
        }
        if (point.status !== 'ok') break;
      }
      save();
    }
    if (point.status === 'interrupted' && !point.reason) point.reason = 'interrupted (Ctrl-C)';
    finish();
    return point;
  } catch (e) {
    point.status = 'failed';
    point.reason = (e as Error).message;
    finish();
    return point;
  } finally {
    if (server && spec.server) {
      const { killed } = await server.stop(spec.server.stop.signal, spec.server.stop.graceMs);
      if (killed) log(`  server did not stop within ${spec.server.stop.graceMs / 1000} s of ${spec.server.stop.signal}: killed (SIGKILL)`);
      if (port !== null && !(await waitPortFree(port))) log(`  warning: port ${port} still accepts connections after the server stopped`);
      // Read after the stop, so the tail holds the server's last words.
      if (point.status === 'server_failed' || point.status === 'failed') point.server_log_tail = logTail(logPath);
      save();
    }
  }
}
