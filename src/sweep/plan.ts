/**
 * The sweep plan (`llmbench.sweep-plan/v1`, docs/sweep.md, docs/sweep-plan.schema.json): YAML in, a checked
 * SweepPlan out, or every problem at once (a UsageError, exit 2) before any server starts. Unknown keys, YAML
 * errors, placeholders with no parameter, parameters never used, SLA metrics that do not exist and `benchmark` keys
 * that are not `llmbench run` options are all reported with the key's path and, where YAML gives one, its line.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { type Problem, UsageError } from '../core/errors.js';
import { durationMs } from '../core/duration.js';
import { type RunFlags } from './run-flags.js';
import { placeholders, type ParamValue } from './template.js';
import { ConfigPathError, readTemplate, renderConfig } from './config-file.js';
import { parseSlaLine, slaPathProblem, type SlaLine } from './sla.js';

export const PLAN_SCHEMA = 'llmbench.sweep-plan/v1';

/** Placeholders every server command may use without a parameter of that name. */
export const BUILTIN_PLACEHOLDERS = ['port', 'model', 'config_file'] as const;

/** Engine settings a plan without a server may sweep (each point is one engine start, as `run` does per value). */
export const ENGINE_PARAMETERS = ['threads', 'batch-size', 'kv-cache-type', 'context-size', 'gpu-layers', 'model'] as const;

/** `run` options the sweep sets itself, per run: a plan may not set them in `benchmark`. */
const SWEEP_OWNED = ['out', 'name', 'json', 'format', 'report', 'history', 'db'];
/** List options that do not multiply the scenario grid (every other list-valued benchmark key is a workload dimension). */
const NON_GRID = ['percentiles', 'header', 'concurrency', 'rate'];

export interface ServerSpec {
  /** The server's name (`servers[].name`); null for the one-server shorthand. */
  name: string | null;
  command: string;
  /** Base URL template; `http://127.0.0.1:{port}` by default. */
  target: string;
  env: Record<string, string>;
  ready: { path: string; timeoutMs: number };
  stop: { signal: NodeJS.Signals; graceMs: number };
  configFile: { template: string; templateDoc: unknown; path: string; set: Record<string, ParamValue> } | null;
}

export interface PointSpec {
  server: ServerSpec | null;
  /** The point's parameter values (server placeholders, or engine settings without a server). */
  parameters: Record<string, ParamValue>;
}

export interface SearchSpec {
  over: 'concurrency' | 'rate';
  min: number;
  max: number;
}

export interface SweepPlan {
  /** The plan as written (parsed YAML), recorded in sweep.json. */
  raw: Record<string, unknown>;
  /** Folder of the plan file: relative paths in it (config templates, prompt files) resolve against it. */
  baseDir: string;
  points: PointSpec[];
  /** `run` options by long name, as written (lists kept as lists). */
  benchmark: Record<string, unknown>;
  /** Workload cells: one map of single values per combination of the list-valued workload keys ([{}] when none). */
  cells: Array<Record<string, unknown>>;
  sla: SlaLine[];
  search: SearchSpec | null;
  devices: number | null;
}

const TOP_KEYS = ['schema', 'server', 'servers', 'parameters', 'points', 'benchmark', 'sla', 'search', 'devices'];
const SERVER_KEYS = ['command', 'target', 'env', 'ready', 'stop', 'config_file'];
const NAMED_SERVER_KEYS = ['name', ...SERVER_KEYS, 'parameters', 'points'];
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGKILL', 'SIGUSR1', 'SIGUSR2'];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isParam(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Problems with a path into the plan, and the YAML line of that path when the document knows it. */
class Checker {
  readonly problems: Problem[] = [];
  constructor(private readonly doc: Document | null, private readonly lines: LineCounter | null, private readonly file: string) {}

  private line(path: readonly (string | number)[]): number | null {
    if (!this.doc || !this.lines) return null;
    let node: unknown = this.doc.contents;
    let at: number | null = null;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) break;
        const k = pair.key as { range?: [number, number, number] };
        if (k?.range) at = k.range[0];
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as { range?: [number, number, number] } | undefined;
        if (!item) break;
        if (item.range) at = item.range[0];
        node = item;
      } else break;
    }
    return at === null ? null : this.lines.linePos(at).line;
  }

  add(path: readonly (string | number)[], message: string, hint?: string): void {
    const l = this.line(path);
    const where = `${this.file}${l !== null ? `:${l}` : ''}: ${path.length ? path.join('.') : '(plan)'}`;
    this.problems.push({ where, message, hint });
  }

  keys(path: readonly (string | number)[], o: Obj, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.add([...path, k], 'unknown key', `allowed here: ${allowed.join(', ')}`);
  }
}

function duration(c: Checker, path: (string | number)[], v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && v >= 0) return v * 1000;
  if (typeof v === 'string') {
    const ms = durationMs(v);
    if (ms !== null) return ms;
    c.add(path, `'${v}' is not a duration`, 'write it as 500ms, 30s, 10m or a number of seconds');
    return dflt;
  }
  c.add(path, 'is not a duration', 'write it as 500ms, 30s, 10m or a number of seconds');
  return dflt;
}

/** Cartesian product of `parameters` (each a list), or the `points` list of maps. */
function expandPoints(c: Checker, path: (string | number)[], params: unknown, points: unknown): Array<Record<string, ParamValue>> {
  if (params !== undefined && points !== undefined) {
    c.add([...path, 'points'], 'cannot be combined with parameters', 'give a grid (parameters) or an explicit list (points)');
    return [];
  }
  if (points !== undefined) {
    if (!Array.isArray(points) || !points.length) {
      c.add([...path, 'points'], 'must be a non-empty list of maps');
      return [];
    }
    return points.map((p, i) => {
      if (!isObj(p)) {
        c.add([...path, 'points', i], 'must be a map of parameter values');
        return {};
      }
      const out: Record<string, ParamValue> = {};
      for (const [k, v] of Object.entries(p)) {
        if (isParam(v)) out[k] = v;
        else c.add([...path, 'points', i, k], 'must be a number, string or boolean');
      }
      return out;
    });
  }
  if (params === undefined) return [{}];
  if (!isObj(params)) {
    c.add([...path, 'parameters'], 'must be a map of parameter name → list of values');
    return [];
  }
  let acc: Array<Record<string, ParamValue>> = [{}];
  for (const [k, raw] of Object.entries(params)) {
    const list = Array.isArray(raw) ? raw : [raw];
    if (!list.length) c.add([...path, 'parameters', k], 'needs at least one value');
    const vals: ParamValue[] = [];
    list.forEach((v) => (isParam(v) ? vals.push(v) : c.add([...path, 'parameters', k], 'values must be numbers, strings or booleans')));
    acc = acc.flatMap((a) => vals.map((v) => ({ ...a, [k]: v })));
  }
  return acc;
}

function parseServer(c: Checker, path: (string | number)[], o: Obj, baseDir: string, named: boolean): { server: ServerSpec; pointParams: Array<Record<string, ParamValue>> } | null {
  c.keys(path, o, named ? NAMED_SERVER_KEYS : SERVER_KEYS);
  let name: string | null = null;
  if (named) {
    if (typeof o.name !== 'string' || !o.name) c.add([...path, 'name'], 'every server in servers needs a name');
    else name = o.name;
  }
  if (typeof o.command !== 'string' || !o.command.trim()) {
    c.add([...path, 'command'], 'missing (the command line that starts the server)', 'e.g. command: "vllm serve {model} --port {port}"');
    return null;
  }
  const target = o.target === undefined ? 'http://127.0.0.1:{port}' : o.target;
  if (typeof target !== 'string') c.add([...path, 'target'], 'must be a URL template string');
  const env: Record<string, string> = {};
  if (o.env !== undefined) {
    if (!isObj(o.env)) c.add([...path, 'env'], 'must be a map NAME: value');
    else for (const [k, v] of Object.entries(o.env)) isParam(v) ? (env[k] = String(v)) : c.add([...path, 'env', k], 'must be a string or number');
  }
  const ready = { path: '/health', timeoutMs: 600_000 };
  if (o.ready !== undefined) {
    if (!isObj(o.ready)) c.add([...path, 'ready'], 'must be a map (path, timeout)');
    else {
      c.keys([...path, 'ready'], o.ready, ['path', 'timeout']);
      if (o.ready.path !== undefined) typeof o.ready.path === 'string' && o.ready.path.startsWith('/') ? (ready.path = o.ready.path) : c.add([...path, 'ready', 'path'], 'must be a path starting with /');
      ready.timeoutMs = duration(c, [...path, 'ready', 'timeout'], o.ready.timeout, ready.timeoutMs);
    }
  }
  const stop = { signal: 'SIGTERM' as NodeJS.Signals, graceMs: 30_000 };
  if (o.stop !== undefined) {
    if (!isObj(o.stop)) c.add([...path, 'stop'], 'must be a map (signal, grace)');
    else {
      c.keys([...path, 'stop'], o.stop, ['signal', 'grace']);
      if (o.stop.signal !== undefined) SIGNALS.includes(String(o.stop.signal)) ? (stop.signal = o.stop.signal as NodeJS.Signals) : c.add([...path, 'stop', 'signal'], `'${String(o.stop.signal)}' is not a signal llmbench sends`, `one of ${SIGNALS.join(', ')}`);
      stop.graceMs = duration(c, [...path, 'stop', 'grace'], o.stop.grace, stop.graceMs);
    }
  }
  let configFile: ServerSpec['configFile'] = null;
  if (o.config_file !== undefined) {
    const cf = o.config_file;
    if (!isObj(cf)) c.add([...path, 'config_file'], 'must be a map (template, path, set)');
    else {
      c.keys([...path, 'config_file'], cf, ['template', 'path', 'set']);
      let templateDoc: unknown;
      if (typeof cf.template !== 'string') c.add([...path, 'config_file', 'template'], 'missing (the JSON file copied per point)');
      else {
        const file = resolve(baseDir, cf.template);
        if (!existsSync(file)) c.add([...path, 'config_file', 'template'], `${file} does not exist`);
        else {
          try {
            templateDoc = readTemplate(file);
          } catch (e) {
            c.add([...path, 'config_file', 'template'], `${file} is not JSON: ${(e as Error).message}`);
          }
        }
      }
      if (typeof cf.path !== 'string' || !cf.path) c.add([...path, 'config_file', 'path'], 'missing (where the server reads its configuration)');
      const set: Record<string, ParamValue> = {};
      if (cf.set !== undefined) {
        if (!isObj(cf.set)) c.add([...path, 'config_file', 'set'], 'must be a map of dotted.path: value');
        else for (const [k, v] of Object.entries(cf.set)) isParam(v) ? (set[k] = v) : c.add([...path, 'config_file', 'set', k], 'must be a number, string or boolean');
      }
      if (templateDoc !== undefined) {
        // The paths are checked against the template now, so a typo is a plan error and not a failed start.
        for (const [k, v] of Object.entries(set)) {
          try {
            renderConfig(templateDoc, { [k]: v }, {});
          } catch (e) {
            if (e instanceof ConfigPathError) c.add([...path, 'config_file', 'set', k], e.message);
            else throw e;
          }
        }
      }
      if (typeof cf.template === 'string' && typeof cf.path === 'string' && templateDoc !== undefined) configFile = { template: resolve(baseDir, cf.template), templateDoc, path: resolve(baseDir, cf.path), set };
    }
  }
  const server: ServerSpec = { name, command: o.command, target: typeof target === 'string' ? target : 'http://127.0.0.1:{port}', env, ready, stop, configFile };
  const pointParams = named ? expandPoints(c, path, o.parameters, o.points) : [];
  return { server, pointParams };
}

/** Where each placeholder of a server may appear, for the "no parameter" and "never used" checks. */
function serverTexts(s: ServerSpec): Array<{ where: string[]; text: string }> {
  const out = [{ where: ['command'], text: s.command }, { where: ['target'], text: s.target }];
  for (const [k, v] of Object.entries(s.env)) out.push({ where: ['env', k], text: v });
  if (s.configFile) {
    out.push({ where: ['config_file', 'path'], text: s.configFile.path });
    for (const [k, v] of Object.entries(s.configFile.set)) if (typeof v === 'string') out.push({ where: ['config_file', 'set', k], text: v });
  }
  return out;
}

function checkBenchmark(c: Checker, bench: Obj, flags: RunFlags, hasServer: boolean, search: SearchSpec | null): void {
  const known: Obj = {};
  for (const [k, v] of Object.entries(bench)) {
    const def = flags.find(k);
    if (!def) {
      c.add(['benchmark', k], 'is not an `llmbench run` option', 'benchmark keys are run options by their long name without -- (see llmbench run --help)');
      continue;
    }
    if (SWEEP_OWNED.includes(def.name)) {
      c.add(['benchmark', k], 'is set by the sweep for every run', 'use `llmbench sweep --out/--name/--no-history/--db` instead');
      continue;
    }
    if (def.name === 'target' && hasServer) {
      c.add(['benchmark', k], 'cannot be combined with server/servers: the sweep points each run at the server it started', 'set server.target (a template with {port}) instead');
      continue;
    }
    if (Array.isArray(v) && !def.list) {
      c.add(['benchmark', k], 'takes one value', `--${def.name} is not a list option of run`);
      continue;
    }
    known[k] = v;
  }
  if (search) {
    const clash = search.over === 'concurrency' ? ['concurrency', 'rate', 'batch'] : ['rate', 'batch'];
    for (const k of clash) if (bench[k] !== undefined) c.add(['benchmark', k], `cannot be combined with search over ${search.over}`, 'the search chooses the load; drop this key');
    if (bench.duration !== undefined && bench.requests !== undefined) c.add(['benchmark', 'duration'], 'cannot be combined with requests');
  }
  // Values are checked by run's own parser, so a plan accepts exactly what the command line does.
  for (const p of flags.check(known)) c.add(['benchmark', p.where], p.message, p.hint);
}

/** Parses and checks a plan. `runFlags` knows `llmbench run`'s options (benchmark keys are their long names). */
export function parsePlan(text: string, file: string, runFlags: RunFlags): SweepPlan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const shown = file;
  if (doc.errors.length) {
    throw new UsageError(doc.errors.map((e) => ({ where: `${shown}${e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : ''}`, message: `YAML: ${e.message.split('\n')[0]}` })));
  }
  const raw = doc.toJS() as unknown;
  const c = new Checker(doc, lines, shown);
  if (!isObj(raw)) throw new UsageError([{ where: shown, message: 'a sweep plan is a YAML map (server, parameters, benchmark, sla, search)', hint: 'see docs/sweep.md' }]);
  c.keys([], raw, TOP_KEYS);
  if (raw.schema !== undefined && raw.schema !== PLAN_SCHEMA) c.add(['schema'], `'${String(raw.schema)}' is not ${PLAN_SCHEMA}`);
  const baseDir = dirname(resolve(file));

  const bench: Obj = raw.benchmark === undefined ? {} : isObj(raw.benchmark) ? raw.benchmark : (c.add(['benchmark'], 'must be a map of run options'), {});

  let search: SearchSpec | null = null;
  if (raw.search !== undefined) {
    const s = raw.search;
    if (!isObj(s)) c.add(['search'], 'must be a map (over, min, max)');
    else {
      c.keys(['search'], s, ['over', 'min', 'max']);
      const over = s.over ?? 'concurrency';
      if (over !== 'concurrency' && over !== 'rate') c.add(['search', 'over'], `'${String(over)}' is not concurrency or rate`);
      const min = s.min ?? 1;
      const max = s.max;
      const intOk = (v: unknown) => (over === 'concurrency' ? Number.isInteger(v) && (v as number) >= 1 : typeof v === 'number' && v > 0);
      if (!intOk(min)) c.add(['search', 'min'], over === 'concurrency' ? 'must be a whole number ≥ 1' : 'must be a number > 0');
      if (max === undefined) c.add(['search', 'max'], 'missing (the highest load the search may try)');
      else if (!intOk(max)) c.add(['search', 'max'], over === 'concurrency' ? 'must be a whole number ≥ 1' : 'must be a number > 0');
      else if (typeof min === 'number' && (max as number) < min) c.add(['search', 'max'], `is below min (${min})`);
      if ((over === 'concurrency' || over === 'rate') && typeof min === 'number' && typeof max === 'number') search = { over, min, max };
    }
  }

  const sla: SlaLine[] = [];
  const pct: number[] = Array.isArray(bench.percentiles) ? (bench.percentiles as unknown[]).map(Number) : typeof bench.percentiles === 'number' ? [bench.percentiles] : typeof bench.percentiles === 'string' ? bench.percentiles.split(',').map(Number) : [];
  if (raw.sla !== undefined) {
    if (!isObj(raw.sla)) c.add(['sla'], 'must be a map of metric: "<= limit"');
    else
      for (const [path, v] of Object.entries(raw.sla)) {
        const line = parseSlaLine(path, v);
        if (typeof line === 'string') {
          c.add(['sla', path], line, 'e.g. ttft_ms.p99: "<= 500" or error_rate: "<= 0.01"');
          continue;
        }
        const bad = slaPathProblem(line.path, pct);
        if (bad) c.add(['sla', path], bad.message, bad.hint);
        else sla.push(line);
      }
  }
  if (search && raw.sla === undefined) c.add(['search'], 'needs an sla: the search looks for the highest load that meets it');

  // Servers and points.
  const points: PointSpec[] = [];
  const servers: ServerSpec[] = [];
  if (raw.server !== undefined && raw.servers !== undefined) c.add(['servers'], 'cannot be combined with server', 'server is the one-server shorthand; list every server under servers');
  if (raw.server !== undefined) {
    if (!isObj(raw.server)) c.add(['server'], 'must be a map (command, target, ready, stop, env, config_file)');
    else {
      const r = parseServer(c, ['server'], raw.server, baseDir, false);
      const params = expandPoints(c, [], raw.parameters, raw.points);
      if (r) {
        servers.push(r.server);
        for (const p of params) points.push({ server: r.server, parameters: p });
      }
    }
  } else if (raw.servers !== undefined) {
    if (!Array.isArray(raw.servers) || !raw.servers.length) c.add(['servers'], 'must be a non-empty list of named servers');
    else {
      if (raw.parameters !== undefined) c.add(['parameters'], 'with servers, each server lists its own parameters');
      if (raw.points !== undefined) c.add(['points'], 'with servers, each server lists its own points');
      const names = new Set<string>();
      raw.servers.forEach((s, i) => {
        if (!isObj(s)) return c.add(['servers', i], 'must be a map (name, command, parameters, ...)');
        const r = parseServer(c, ['servers', i], s, baseDir, true);
        if (!r) return;
        if (r.server.name && names.has(r.server.name)) c.add(['servers', i, 'name'], `'${r.server.name}' is used twice`);
        if (r.server.name) names.add(r.server.name);
        servers.push(r.server);
        for (const p of r.pointParams) points.push({ server: r.server, parameters: p });
      });
    }
  } else {
    // No server: the benchmark's own target, or the embedded engine with engine settings as parameters.
    const params = expandPoints(c, [], raw.parameters, raw.points);
    const names = new Set(params.flatMap((p) => Object.keys(p)));
    for (const k of names) {
      if (!(ENGINE_PARAMETERS as readonly string[]).includes(k)) c.add(['parameters', k], 'without a server, parameters are embedded-engine settings', `one of ${ENGINE_PARAMETERS.join(', ')}; to sweep a server's settings, add server.command`);
      else if (bench.target !== undefined) c.add(['parameters', k], 'engine settings need the embedded engine, but benchmark.target points at a server');
      else if (bench[k] !== undefined) c.add(['benchmark', k], `is also a sweep parameter`, 'set it in one place');
    }
    for (const p of params) points.push({ server: null, parameters: p });
  }

  // Placeholders: each must name a parameter of its server (or a built-in), and each parameter must be used.
  for (const [si, s] of servers.entries()) {
    const base: (string | number)[] = raw.servers !== undefined ? ['servers', si] : ['server'];
    const sPoints = points.filter((p) => p.server === s);
    const paramNames = new Set(sPoints.flatMap((p) => Object.keys(p.parameters)));
    const used = new Set<string>();
    for (const t of serverTexts(s)) {
      for (const ph of placeholders(t.text)) {
        used.add(ph);
        if ((BUILTIN_PLACEHOLDERS as readonly string[]).includes(ph)) {
          if (ph === 'model' && typeof bench.model !== 'string') c.add([...base, ...t.where], '{model} needs benchmark.model (one model name)');
          if (ph === 'config_file' && !s.configFile) c.add([...base, ...t.where], '{config_file} needs config_file (template, path, set)');
          if (ph === 'port' && paramNames.has('port')) c.add([...base, ...t.where], "'port' is built in: llmbench picks a free port per point", 'drop the port parameter');
          continue;
        }
        if (!paramNames.has(ph)) c.add([...base, ...t.where], `placeholder {${ph}} has no parameter`, paramNames.size ? `parameters: ${[...paramNames].join(', ')}` : 'add it under parameters');
        else for (const [pi, p] of sPoints.entries()) if (!(ph in p.parameters)) c.add([...base, ...t.where], `placeholder {${ph}} has no value in point ${pi + 1}`);
      }
    }
    for (const name of paramNames) if (!used.has(name)) c.add(raw.servers !== undefined ? [...base, 'parameters', name] : ['parameters', name], 'is never used', 'use it as {' + name + '} in the command, env, target or config_file.set');
  }
  if (!points.length && !c.problems.length) c.add([], 'the plan has no points');

  checkBenchmark(c, bench, runFlags, servers.length > 0, search);
  if ((servers.length > 0 || bench.target !== undefined) && Array.isArray(bench.model) && bench.model.length > 1) c.add(['benchmark', 'model'], 'a server serves one model', 'sweep one model per plan (or per server in servers)');

  let devices: number | null = null;
  if (raw.devices !== undefined) {
    if (!Number.isInteger(raw.devices) || (raw.devices as number) < 1) c.add(['devices'], 'must be a whole number ≥ 1');
    else devices = raw.devices as number;
  }

  if (c.problems.length) throw new UsageError(c.problems);

  // Workload cells: the combinations of list-valued workload keys (input-tokens × output-tokens, ...).
  let cells: Array<Record<string, unknown>> = [{}];
  for (const [k, v] of Object.entries(bench)) {
    const def = runFlags.find(k);
    if (!def || !def.list || NON_GRID.includes(def.name)) continue;
    const list = Array.isArray(v) ? v : typeof v === 'string' && v.includes(',') ? v.split(',').map((s) => s.trim()) : [v];
    if (list.length > 1) cells = cells.flatMap((cell) => list.map((x) => ({ ...cell, [k]: x })));
  }
  return { raw, baseDir, points, benchmark: bench, cells, sla, search, devices };
}
