/**
 * Side-by-side comparison of runs against a baseline, and `--fail-if` thresholds for CI. Pure: results in,
 * a Comparison / Table / list of violations out.
 *
 * Metric paths are scenario-relative: a bare name is a `summary` field (`output_token_throughput`), a dotted
 * one a statistic of a `metrics` distribution (`tpot_ms.p90`). Scenarios are matched by id; when every run
 * has exactly one scenario they are matched whatever their ids (e.g. an imported vLLM file vs an llmbench run).
 */
import { UsageError, type Problem } from '../core/errors.js';
import { type RunResult, type ScenarioResult } from '../core/result.js';
import { SCENARIO_METRICS } from './run-tables.js';
import { type Column, type Table } from './table.js';

export interface CompareRunInfo {
  label: string;
  run_id: string;
  source: string;
}

export interface CompareCell {
  value: number | null;
  delta: number | null;
  /** Relative difference in percent: (value − baseline) / |baseline| × 100; null when the baseline is 0 or absent. */
  delta_pct: number | null;
  /** Whether |delta| is larger than the run-to-run spread (2·√(σ_base² + σ_run²)); null when neither run has repeats. */
  beyond_spread: boolean | null;
}

export interface CompareRow {
  scenario: string;
  metric: string;
  baseline: number | null;
  runs: CompareCell[];
}

export interface Comparison {
  baseline: CompareRunInfo;
  runs: CompareRunInfo[];
  rows: CompareRow[];
  /** Scenarios of a compared run with no counterpart in the baseline (or the reverse). */
  unmatched: Array<{ run: string; scenario: string }>;
}

export interface CompareSide {
  info: CompareRunInfo;
  result: RunResult;
}

/** Statistics shown for each distribution in the table (thresholds can use any statistic). */
export const SHOWN_STATS = ['mean', 'p50', 'p90', 'p99'] as const;

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Every numeric value of a scenario under its path. */
export function flattenScenario(s: ScenarioResult): Map<string, number> {
  const out = new Map<string, number>();
  const skip = Array.isArray(s.unmeasured) ? (s.unmeasured as string[]) : [];
  for (const [k, v] of Object.entries(s.summary ?? {})) if (isNum(v) && !skip.includes(k)) out.set(k, v);
  for (const [m, d] of Object.entries(s.metrics ?? {})) {
    for (const [stat, v] of Object.entries(d ?? {})) if (stat !== 'n' && isNum(v)) out.set(`${m}.${stat}`, v);
  }
  return out;
}

/** Results are not mutated once built, so each scenario is flattened once however many paths are looked up. */
const flatCache = new WeakMap<ScenarioResult, Map<string, number>>();

function flat(s: ScenarioResult): Map<string, number> {
  let m = flatCache.get(s);
  if (!m) {
    m = flattenScenario(s);
    flatCache.set(s, m);
  }
  return m;
}

export function valueAt(s: ScenarioResult, path: string): number | null {
  return flat(s).get(path) ?? null;
}

function spreadStd(s: ScenarioResult, path: string): number | null {
  const v = s.repeat_spread?.[path]?.std;
  return isNum(v) ? v : null;
}

/** Pairs each scenario of `other` with the baseline's scenario of the same id (or the only one, see above). */
export function pairScenarios(base: RunResult, other: RunResult): { pairs: Array<[ScenarioResult, ScenarioResult]>; unmatched: string[] } {
  if (base.scenarios.length === 1 && other.scenarios.length === 1) return { pairs: [[base.scenarios[0]!, other.scenarios[0]!]], unmatched: [] };
  const pairs: Array<[ScenarioResult, ScenarioResult]> = [];
  const unmatched: string[] = [];
  for (const s of base.scenarios) {
    const o = other.scenarios.find((x) => x.id === s.id);
    if (o) pairs.push([s, o]);
    else unmatched.push(s.id);
  }
  for (const o of other.scenarios) if (!base.scenarios.some((s) => s.id === o.id)) unmatched.push(o.id);
  return { pairs, unmatched };
}

function cell(base: ScenarioResult, b: number | null, o: ScenarioResult | undefined, path: string): CompareCell {
  const value = o ? valueAt(o, path) : null;
  const delta = value !== null && b !== null ? value - b : null;
  const delta_pct = delta !== null && b !== null && b !== 0 ? (delta / Math.abs(b)) * 100 : null;
  const sa = spreadStd(base, path);
  const sb = o ? spreadStd(o, path) : null;
  const beyond_spread = delta === null || (sa === null && sb === null) ? null : Math.abs(delta) > 2 * Math.sqrt((sa ?? 0) ** 2 + (sb ?? 0) ** 2);
  return { value, delta, delta_pct, beyond_spread };
}

function orderPaths(paths: Set<string>, first: ScenarioResult): string[] {
  const summaryKeys = Object.keys(first.summary ?? {});
  const metricOrder: string[] = SCENARIO_METRICS.map(([k]) => k);
  const rank = (p: string): [number, number, string] => {
    if (!p.includes('.')) {
      const i = summaryKeys.indexOf(p);
      return [0, i < 0 ? 1e6 : i, p];
    }
    const [m, stat] = p.split('.') as [string, string];
    const mi = metricOrder.indexOf(m);
    return [1, (mi < 0 ? 1e3 : mi) * 100 + SHOWN_STATS.indexOf(stat as (typeof SHOWN_STATS)[number]), p];
  };
  return [...paths].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2].localeCompare(rb[2]);
  });
}

function shownPath(p: string): boolean {
  if (!p.includes('.')) return true;
  return (SHOWN_STATS as readonly string[]).includes(p.split('.')[1]!);
}

export function compareRuns(baseline: CompareSide, others: CompareSide[]): Comparison {
  const rows: CompareRow[] = [];
  const unmatched: Comparison['unmatched'] = [];
  const pairings = others.map((o) => pairScenarios(baseline.result, o.result));
  pairings.forEach((p, i) => unmatched.push(...p.unmatched.map((scenario) => ({ run: others[i]!.info.label, scenario }))));
  for (const s of baseline.result.scenarios) {
    const counterparts = pairings.map((p) => p.pairs.find(([b]) => b === s)?.[1]);
    const paths = new Set<string>();
    for (const x of [s, ...counterparts]) if (x) for (const p of flat(x).keys()) if (shownPath(p)) paths.add(p);
    for (const path of orderPaths(paths, s)) {
      const b = valueAt(s, path);
      rows.push({ scenario: s.id, metric: path, baseline: b, runs: counterparts.map((o) => cell(s, b, o, path)) });
    }
  }
  return { baseline: baseline.info, runs: others.map((o) => o.info), rows, unmatched };
}

export function compareTable(c: Comparison): Table {
  const hasSpread = c.rows.some((r) => r.runs.some((x) => x.beyond_spread !== null));
  const columns: Column[] = [
    { key: 'scenario', title: 'scenario', align: 'left' },
    { key: 'metric', title: 'metric', align: 'left' },
    { key: 'baseline', title: `${c.baseline.label} (baseline)`, align: 'right' },
  ];
  c.runs.forEach((r, i) => {
    columns.push({ key: `run${i + 1}`, title: r.label, align: 'right' }, { key: `run${i + 1}_delta`, title: 'Δ', align: 'right' }, { key: `run${i + 1}_delta_pct`, title: 'Δ%', align: 'right' });
    if (hasSpread) columns.push({ key: `run${i + 1}_beyond_spread`, title: '> spread', align: 'left' });
  });
  const rows = c.rows.map((r) => {
    const row: Record<string, string | number | null> = { scenario: r.scenario, metric: r.metric, baseline: r.baseline };
    r.runs.forEach((x, i) => {
      row[`run${i + 1}`] = x.value;
      row[`run${i + 1}_delta`] = x.delta;
      row[`run${i + 1}_delta_pct`] = x.delta_pct;
      if (hasSpread) row[`run${i + 1}_beyond_spread`] = x.beyond_spread === null ? null : x.beyond_spread ? 'yes' : 'no';
    });
    return row;
  });
  const footer = c.unmatched.length ? [`not compared (no scenario with the same id): ${c.unmatched.map((u) => `${u.run}/${u.scenario}`).join(', ')}`] : undefined;
  return { title: `compare vs ${c.baseline.label}`, columns, rows, ...(footer ? { footer } : {}) };
}

// ---- --fail-if -------------------------------------------------------------------------------------------

export interface Threshold {
  text: string;
  path: string;
  op: '>' | '<' | '>=' | '<=';
  limit: number;
  relative: boolean;
}

const THRESHOLD_RE = /^\s*([A-Za-z_][\w.]*(?:\.[\w.]+)?)\s*(>=|<=|>|<)\s*([+-]?\d+(?:\.\d+)?)\s*(%?)\s*$/;

/** Parses `tpot_ms.p90>+5%,output_token_throughput<-3%` (items may also come from repeated flags). */
export function parseFailIf(items: readonly string[]): Threshold[] {
  const problems: Problem[] = [];
  const out: Threshold[] = [];
  for (const text of items.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '')) {
    const m = THRESHOLD_RE.exec(text);
    if (!m) {
      problems.push({ where: '--fail-if', message: `'${text}' is not PATH>VALUE or PATH<VALUE`, hint: 'e.g. tpot_ms.p90>+5% (relative) or ttft_ms.p50>+20 (absolute, in the metric unit)' });
      continue;
    }
    let path = m[1]!;
    // `summary.x` and `metrics.x.y` are accepted as long forms of the scenario-relative paths.
    if (path.startsWith('summary.')) path = path.slice('summary.'.length);
    else if (path.startsWith('metrics.')) path = path.slice('metrics.'.length);
    out.push({ text, path, op: m[2] as Threshold['op'], limit: Number(m[3]), relative: m[4] === '%' });
  }
  if (problems.length) throw new UsageError(problems);
  return out;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
}

function signed(v: number, unit: string): string {
  return `${v >= 0 ? '+' : ''}${fmt(v)}${unit}`;
}

/**
 * Checks every threshold on every matched scenario of every compared run. A path found in no scenario of any
 * run is a usage error (a typo must not pass CI silently).
 */
export function checkThresholds(baseline: CompareSide, others: CompareSide[], thresholds: Threshold[]): string[] {
  const all = [baseline, ...others].flatMap((s) => s.result.scenarios);
  const unknown = thresholds.filter((t) => !all.some((s) => valueAt(s, t.path) !== null));
  if (unknown.length) {
    throw new UsageError(unknown.map((t) => ({ where: '--fail-if', message: `'${t.path}' matches no metric in any compared scenario`, hint: 'bare names are summary fields (output_token_throughput); dotted paths are metric statistics (tpot_ms.p90)' })));
  }
  const violations: string[] = [];
  for (const o of others) {
    for (const [b, s] of pairScenarios(baseline.result, o.result).pairs) {
      for (const t of thresholds) {
        const bv = valueAt(b, t.path);
        const v = valueAt(s, t.path);
        if (bv === null || v === null) continue;
        const d = t.relative ? (bv === 0 ? null : ((v - bv) / Math.abs(bv)) * 100) : v - bv;
        if (d === null) continue;
        const hit = t.op === '>' ? d > t.limit : t.op === '<' ? d < t.limit : t.op === '>=' ? d >= t.limit : d <= t.limit;
        if (hit) {
          violations.push(`${o.info.label} / ${s.id}: ${t.path} ${fmt(bv)} → ${fmt(v)} (${signed(d, t.relative ? '%' : '')}) violates ${t.text} (baseline ${baseline.info.label})`);
        }
      }
    }
  }
  return violations;
}
