/** Terminal renderings of a sweep: the points table, the one-line verdict and the --dry-run outline. Pure. */
import { type Column, type Table } from '../reports/table.js';
import { type SweepPlan } from './plan.js';
import { cellsOf, type LoadEntry, pointLabel as label, type SweepResult, workloadLabel } from './result.js';
import { searchLoad } from './search.js';
import { render } from './template.js';

function mean(xs: Array<number | null | undefined>): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function at(loads: readonly LoadEntry[], load: number | null): LoadEntry[] {
  return load === null ? [] : loads.filter((l) => l.load === load);
}

/** One row per point (per point and cell with several cells): the figures at its feasible_max. */
export function sweepTable(r: SweepResult): Table {
  const multi = r.points.some((p) => p.cells);
  const columns: Column[] = [
    { key: 'point', title: 'point', align: 'right' },
    { key: 'config', title: 'configuration', align: 'left' },
    ...(multi ? [{ key: 'workload', title: 'workload', align: 'left' as const }] : []),
    { key: 'status', title: 'status', align: 'left' },
    { key: 'startup_s', title: 'startup (s)', align: 'right', decimals: 1 },
    { key: 'feasible_max', title: 'max load meeting SLA', align: 'right' },
    { key: 'infeasible_min', title: 'min load failing', align: 'right' },
    { key: 'tput', title: 'output tok/s', align: 'right', decimals: 1 },
    { key: 'per_user', title: 'tok/s per user', align: 'right', decimals: 1 },
    { key: 'ttft_p99', title: 'TTFT p99 (ms)', align: 'right', decimals: 1 },
    { key: 'tpot_p90', title: 'TPOT p90 (ms)', align: 'right', decimals: 2 },
    { key: 'probes', title: 'runs', align: 'right' },
  ];
  const rows: Table['rows'] = [];
  for (const p of r.points) {
    for (const c of cellsOf(p)) {
      const best = at(c.loads, c.feasible_max).filter((l) => l.load_meets);
      rows.push({
        point: p.index,
        config: label(p),
        ...(multi ? { workload: workloadLabel(c.workload) } : {}),
        status: p.status,
        startup_s: p.startup_s,
        feasible_max: c.feasible_max,
        infeasible_min: c.infeasible_min,
        tput: mean(best.map((l) => l.summary?.output_token_throughput)),
        per_user: mean(best.map((l) => l.summary?.output_tokens_per_client)),
        ttft_p99: mean(best.map((l) => l.metrics.ttft_ms?.p99)),
        tpot_p90: mean(best.map((l) => l.metrics.tpot_ms?.p90)),
        probes: c.loads.length,
      });
    }
  }
  const footer: string[] = [];
  for (const p of r.points) if (p.status !== 'ok' && p.reason) footer.push(`point ${p.index}: ${p.status}: ${p.reason}`);
  return { title: `sweep ${r.name}`, columns, rows, ...(footer.length ? { footer } : {}) };
}

/** The verdict in one line. */
export function winnerLine(r: SweepResult, hasSla: boolean): string {
  const b = r.best;
  if (!b) {
    if (r.interrupted) return 'interrupted: no point finished with a load meeting the SLA yet';
    return hasSla ? 'no point meets the SLA at any load tried' : 'no point finished';
  }
  const p = r.points.find((x) => x.index === b.point)!;
  const tput = b.output_token_throughput === null ? 'n/a' : b.output_token_throughput.toFixed(1);
  const w = b.workload ? ` (${workloadLabel(b.workload)})` : '';
  return `best: point ${b.point} (${label(p)})${w} at ${b.over ?? 'load'} ${b.load}${hasSla ? ', the highest meeting the SLA' : ''}: ${tput} output tokens/s`;
}

/** Seconds per output token assumed by the --dry-run duration estimate (it cannot know the server's speed). */
export const ASSUMED_TPOT_S = 0.02;

function firstNumber(v: unknown, dflt: number): number {
  const s = Array.isArray(v) ? v[0] : v;
  const n = typeof s === 'number' ? s : typeof s === 'string' ? Number(String(s).split(/[,-]/)[0]) : NaN;
  return Number.isFinite(n) ? n : dflt;
}

/** The probes a search could make at most: its bracket and bisection for the worst placed knee. */
export async function worstCaseProbes(plan: SweepPlan): Promise<number[]> {
  const s = plan.search!;
  let worst: number[] = [];
  const knees: number[] = [];
  if (s.over === 'concurrency') for (let k = s.min - 1; k <= s.max; k++) knees.push(k);
  else for (let i = 0; i <= 200; i++) knees.push(s.min * 0.99 * Math.pow((s.max * 1.01) / (s.min * 0.99), i / 200));
  if (knees.length > 5000) knees.splice(0, knees.length, ...knees.filter((_, i) => i % Math.ceil(knees.length / 5000) === 0));
  for (const knee of knees) {
    const out = await searchLoad(s, async (load) => load <= knee);
    if (out.probed.length > worst.length) worst = out.probed;
  }
  return worst;
}

export async function dryRunText(plan: SweepPlan, rendered: PlanRender[]): Promise<string> {
  const lines: string[] = [];
  lines.push(`plan: ${plan.points.length} point(s) × ${plan.cells.length} workload cell(s); nothing is started (--dry-run)`);
  for (const r of rendered) {
    lines.push(`  point ${r.index}: ${label({ server: r.server, parameters: r.parameters })}`);
    if (r.command) lines.push(`    command: ${r.command}`);
    if (r.target) lines.push(`    target:  ${r.target}`);
    if (r.configFile) lines.push(`    config:  ${r.configFile}`);
  }
  const out = firstNumber(plan.benchmark['output-tokens'], 128);
  const fixed = typeof plan.benchmark.requests === 'number' ? plan.benchmark.requests : null;
  let requests = 0;
  let seconds = 0;
  if (plan.search) {
    const probes = await worstCaseProbes(plan);
    const per = probes.map((l) => fixed ?? Math.max(20, Math.ceil(4 * l)));
    lines.push(`loads: search over ${plan.search.over} from ${plan.search.min} to ${plan.search.max}; at most ${probes.length} loads per cell (e.g. ${probes.join(', ')}), each measured 3 times when near a limit`);
    lines.push(`requests per load: ${fixed !== null ? fixed : 'max(20, 4 × the load)'}`);
    for (const [i, l] of probes.entries()) {
      requests += per[i]!;
      seconds += plan.search.over === 'concurrency' ? Math.ceil(per[i]! / l) * out * ASSUMED_TPOT_S : per[i]! / l;
    }
  } else {
    const conc = plan.benchmark.concurrency;
    const rate = plan.benchmark.rate;
    const loads: number[] = (Array.isArray(rate) ? rate : rate !== undefined ? [rate] : Array.isArray(conc) ? conc : conc !== undefined ? [conc] : [1]).map(Number);
    lines.push(`loads: ${rate !== undefined ? 'rate' : 'concurrency'} ${loads.join(', ')} (the benchmark's own loads, as run would)`);
    for (const l of loads) {
      const n = fixed ?? (rate !== undefined ? Math.ceil(10 * l) : l > 1 ? 4 * l : 10);
      requests += n;
      seconds += rate !== undefined ? n / l : Math.ceil(n / l) * out * ASSUMED_TPOT_S;
    }
    lines.push(`requests per load: ${fixed ?? "run's default"}`);
  }
  const cellsPoints = plan.points.length * plan.cells.length;
  lines.push(`requests in all: at most ${requests * cellsPoints}${plan.search ? ' (3× for near-limit loads)' : ''}`);
  lines.push(`estimated duration: about ${Math.ceil((seconds * cellsPoints) / 60)} min of benchmarking at an assumed ${ASSUMED_TPOT_S * 1000} ms per output token, plus each server's start-up (not known before it runs)`);
  lines.push('plan check: ok');
  return lines.join('\n') + '\n';
}

export interface PlanRender {
  index: number;
  server: string | null;
  parameters: Record<string, string | number | boolean>;
  command: string | null;
  target: string | null;
  configFile: string | null;
}

/** Each point's command, target and config path as they will run; {port} stays a placeholder (picked at start). */
export function renderPoints(plan: SweepPlan): PlanRender[] {
  return plan.points.map((p, index) => {
    const s = p.server;
    const values: Record<string, string | number | boolean> = { ...p.parameters };
    if (typeof plan.benchmark.model === 'string') values.model = plan.benchmark.model;
    if (s?.configFile) values.config_file = render(s.configFile.path, values);
    return {
      index,
      server: s?.name ?? null,
      parameters: p.parameters,
      command: s ? render(s.command, values) : null,
      target: s ? render(s.target, values) : typeof plan.benchmark.target === 'string' ? plan.benchmark.target : null,
      configFile: s?.configFile ? String(values.config_file) : null,
    };
  });
}
