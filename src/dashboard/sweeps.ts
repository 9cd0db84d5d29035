/**
 * The sweep page's model, from `sweep.json` (schema llmbench.sweep/v1, written by `llmbench sweep`): the points
 * table, each point's search history with its SLA margins, the Pareto front of tokens/s per user against
 * tokens/s per device, and the winner. Read defensively: a field a sweep did not write shows as n/a.
 */
import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, SCHEMA_URL, type ChartDef } from '../reports/charts/common.js';
import { type Cell, type Table } from '../reports/table.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** `{concurrency: 8}` → "concurrency=8"; a bare number stays a number. */
export function describeLoad(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v !== 'object') return String(v);
  const o = v as Obj;
  if (typeof o.description === 'string') return o.description;
  return Object.entries(o).filter(([, x]) => x !== null && typeof x !== 'object').map(([k, x]) => `${k}=${String(x)}`).join(' ');
}

export function pointLabel(p: Obj): string {
  const params = Object.entries(obj(p.parameters)).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
  const name = typeof p.name === 'string' && p.name ? p.name : typeof p.server === 'string' ? p.server : '';
  return [name, params].filter(Boolean).join(' ') || 'point';
}

interface SlaItem {
  path: string;
  value: number | null;
  margin: number | null;
  limit: string | null;
  ok: boolean | null;
}

/** Each SLA line of a load, whether the sweep wrote them as a map (`{"ttft_ms.p99": {...}}`) or a list. */
export function slaItems(v: unknown): SlaItem[] {
  const items: Array<[string, Obj]> = Array.isArray(v)
    ? v.map((x) => [String(obj(x).path ?? obj(x).metric ?? '?'), obj(x)] as [string, Obj])
    : Object.entries(obj(v)).map(([k, x]) => [k, typeof x === 'number' ? { value: x } : obj(x)] as [string, Obj]);
  return items.map(([path, o]) => ({
    path,
    value: num(o.value),
    margin: num(o.margin),
    limit: o.limit === undefined || o.limit === null ? null : typeof o.limit === 'string' ? o.limit : `${typeof o.op === 'string' ? o.op : ''}${String(o.limit)}`,
    ok: typeof o.meets === 'boolean' ? o.meets : typeof o.ok === 'boolean' ? o.ok : null,
  }));
}

export interface SweepPointView {
  label: string;
  status: string;
  reason: string | null;
  logTail: string | null;
  historyTables: Table[];
}

export interface ParetoPoint {
  point: string;
  load: string;
  tokens_per_user: number;
  tokens_per_device: number;
  meets: boolean | null;
  front: boolean;
}

export interface SweepView {
  best: { label: string; load: string; output_token_throughput: number | null } | null;
  pointsTable: Table;
  points: SweepPointView[];
  pareto: ParetoPoint[];
  devices: number;
}

function loadsOf(p: Obj): Array<{ cell: string | null; loads: Obj[]; feasible_max: unknown; infeasible_min: unknown }> {
  if (Array.isArray(p.cells) && p.cells.length) {
    return p.cells.map((c, i) => {
      const o = obj(c);
      const cell = o.cell ?? o.workload ?? o.dims ?? o.id ?? `cell ${i + 1}`;
      return { cell: typeof cell === 'string' ? cell : describeLoad(cell), loads: Array.isArray(o.loads) ? o.loads.map(obj) : [], feasible_max: o.feasible_max, infeasible_min: o.infeasible_min };
    });
  }
  return [{ cell: null, loads: Array.isArray(p.loads) ? p.loads.map(obj) : [], feasible_max: p.feasible_max, infeasible_min: p.infeasible_min }];
}

function sameLoad(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function sweepView(sweep: Obj): SweepView {
  const plan = obj(sweep.plan);
  const devices = num(sweep.devices) ?? num(plan.devices) ?? 1;
  const rawPoints = Array.isArray(sweep.points) ? sweep.points.map(obj) : [];
  const rows: Array<Record<string, Cell>> = [];
  const points: SweepPointView[] = [];
  const pareto: ParetoPoint[] = [];
  rawPoints.forEach((p, k) => {
    const label = pointLabel(p);
    const status = typeof p.status === 'string' ? p.status : 'n/a';
    const historyTables: Table[] = [];
    for (const c of loadsOf(p)) {
      const at = c.loads.find((l) => sameLoad(l.load, c.feasible_max));
      rows.push({
        point: k,
        parameters: label,
        cell: c.cell,
        status,
        startup_s: num(p.startup_s),
        feasible_max: c.feasible_max === undefined || c.feasible_max === null ? null : describeLoad(c.feasible_max),
        infeasible_min: c.infeasible_min === undefined || c.infeasible_min === null ? null : describeLoad(c.infeasible_min),
        output_token_throughput: num(obj(at?.summary).output_token_throughput),
        probes: c.loads.length,
      });
      if (!c.loads.length) continue;
      const slaPaths = [...new Set(c.loads.flatMap((l) => slaItems(l.sla).map((s) => s.path)))];
      historyTables.push({
        title: `${label}${c.cell ? ` · ${c.cell}` : ''}: search history (in probe order)`,
        columns: [
          { key: 'n', title: '#', align: 'right' },
          { key: 'load', title: 'load', align: 'left' },
          { key: 'meets', title: 'meets SLA', align: 'left' },
          { key: 'output_token_throughput', title: 'out tok/s', align: 'right' },
          ...slaPaths.flatMap((path) => [{ key: `${path}:value`, title: path, align: 'right' as const }, { key: `${path}:margin`, title: `${path} margin`, align: 'right' as const }]),
        ],
        rows: c.loads.map((l, i) => {
          const r: Record<string, Cell> = { n: i + 1, load: describeLoad(l.load), meets: typeof l.meets === 'boolean' ? (l.meets ? 'yes' : 'no') : null, output_token_throughput: num(obj(l.summary).output_token_throughput) };
          for (const s of slaItems(l.sla)) {
            r[`${s.path}:value`] = s.value;
            r[`${s.path}:margin`] = s.margin;
          }
          return r;
        }),
      });
      for (const l of c.loads) {
        const sm = obj(l.summary);
        const perUser = num(sm.output_tokens_per_client);
        const tput = num(sm.output_token_throughput);
        if (perUser === null || tput === null) continue;
        pareto.push({ point: label, load: describeLoad(l.load), tokens_per_user: perUser, tokens_per_device: tput / devices, meets: typeof l.meets === 'boolean' ? l.meets : null, front: false });
      }
    }
    points.push({ label, status, reason: typeof p.reason === 'string' ? p.reason : null, logTail: typeof p.server_log_tail === 'string' ? p.server_log_tail : Array.isArray(p.server_log_tail) ? p.server_log_tail.join('\n') : null, historyTables });
  });
  // The Pareto front among the loads that meet the SLA: no other such load is at least as good on both axes and
  // better on one. A load seen to violate the SLA is drawn, but is never on the front.
  const feasible = pareto.filter((p) => p.meets !== false);
  for (const a of feasible) {
    a.front = !feasible.some((b) => b !== a && b.tokens_per_user >= a.tokens_per_user && b.tokens_per_device >= a.tokens_per_device && (b.tokens_per_user > a.tokens_per_user || b.tokens_per_device > a.tokens_per_device));
  }
  const b = obj(sweep.best);
  const best = Object.keys(b).length ? { label: pointLabel(b), load: describeLoad(b.load), output_token_throughput: num(b.output_token_throughput) } : null;
  const hasCells = rows.some((r) => r.cell !== null);
  const pointsTable: Table = {
    columns: [
      { key: 'point', title: 'point', align: 'right' },
      { key: 'parameters', title: 'parameters', align: 'left' },
      ...(hasCells ? [{ key: 'cell', title: 'workload cell', align: 'left' as const }] : []),
      { key: 'status', title: 'status', align: 'left' },
      { key: 'startup_s', title: 'startup (s)', align: 'right' },
      { key: 'feasible_max', title: 'feasible max', align: 'left' },
      { key: 'infeasible_min', title: 'infeasible min', align: 'left' },
      { key: 'output_token_throughput', title: 'out tok/s at feasible max', align: 'right' },
      { key: 'probes', title: 'probes', align: 'right' },
    ],
    rows,
  };
  return { best, pointsTable, points, pareto, devices };
}

export function paretoChart(v: SweepView): ChartDef {
  const title = `Pareto front: tokens/s per user vs tokens/s per device (${v.devices} device${v.devices === 1 ? '' : 's'})`;
  if (!v.pareto.length) return { name: 'pareto', title, spec: null, absent: 'no load with output_tokens_per_client and output_token_throughput' };
  const front = v.pareto.filter((p) => p.front).sort((a, b) => a.tokens_per_user - b.tokens_per_user);
  const spec = {
    $schema: SCHEMA_URL,
    config: baseConfig(),
    width: 560,
    height: 320,
    layer: [
      {
        data: { values: front },
        mark: { type: 'line', color: '#888888', strokeDash: [4, 3] },
        encoding: { x: { field: 'tokens_per_user', type: 'quantitative' }, y: { field: 'tokens_per_device', type: 'quantitative' } },
      },
      {
        data: { values: v.pareto.map((p) => ({ ...p, sla: p.meets === null ? 'n/a' : p.meets ? 'meets' : 'violates' })) },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: { field: 'tokens_per_user', type: 'quantitative', title: 'output tokens/s per user' },
          y: { field: 'tokens_per_device', type: 'quantitative', title: 'output tokens/s per device' },
          color: { field: 'point', type: 'nominal', title: 'point' },
          shape: { field: 'sla', type: 'nominal', title: 'SLA', scale: { domain: ['meets', 'violates', 'n/a'], range: ['circle', 'cross', 'square'] } },
        },
      },
    ],
  } as unknown as TopLevelSpec;
  return { name: 'pareto', title, spec };
}
