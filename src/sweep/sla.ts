/**
 * SLA lines (`ttft_ms.p99: "<= 500"`): paths as `compare --fail-if` reads them (a bare name is a summary field, a
 * dotted one a statistic of a metric distribution), checked against one measured scenario. Pure.
 */
import { type ScenarioResult } from '../core/result.js';
import { summarizeScenario } from '../metrics/summarize.js';
import { valueAt } from '../reports/compare.js';

export type SlaOp = '<=' | '<' | '>=' | '>';

export interface SlaLine {
  /** As written in the plan (`ttft_ms.p99`, or the long form `metrics.ttft_ms.p99`). */
  text: string;
  /** Scenario-relative path: `ttft_ms.p99`, `error_rate`. */
  path: string;
  op: SlaOp;
  limit: number;
}

export interface SlaCheck {
  path: string;
  op: SlaOp;
  limit: number;
  /** The measured value; null when the run did not measure it (which fails the line). */
  value: number | null;
  /** Room left, relative to the limit: (limit − value) / |limit| for ≤ and <, the reverse for ≥ and >; negative = violated. */
  margin: number | null;
  ok: boolean;
}

/** Relative distance to a limit under which a measurement counts as noise-prone and is repeated (docs/sweep.md). */
export const NEAR_LIMIT = 0.05;

const LINE_RE = /^\s*(<=|>=|<|>)\s*([+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

export function parseSlaLine(path: string, v: unknown): SlaLine | string {
  const text = typeof v === 'number' ? `<= ${v}` : typeof v === 'string' ? v : null;
  if (text === null) return 'must be a string such as "<= 500"';
  const m = LINE_RE.exec(text);
  if (!m) return `'${text}' is not OP NUMBER (OP one of <=, <, >=, >)`;
  let p = path;
  if (p.startsWith('summary.')) p = p.slice('summary.'.length);
  else if (p.startsWith('metrics.')) p = p.slice('metrics.'.length);
  return { text: path, path: p, op: m[1] as SlaOp, limit: Number(m[2]) };
}

/** Metrics that only some targets report (server timings, engine timings); their names are valid too. */
const OPTIONAL_METRICS = ['server_ttft_ms', 'server_e2e_ms', 'server_queue_ms', 'server_prefill_ms', 'server_decode_ms', 'client_minus_server_e2e_ms', 'client_minus_server_ttft_ms', 'engine_prefill_ms', 'engine_tokenize_ms', 'engine_detokenize_ms', 'engine_decode_step_ms'];
const STATS = ['mean', 'min', 'max', 'std', 'p50', 'p75', 'p90', 'p99'];

/** Whether a path can exist in a scenario: the names come from the summarizer itself, so they cannot drift. */
export function slaPathProblem(path: string, percentiles: readonly number[]): { message: string; hint: string } | null {
  const empty = summarizeScenario([], { percentiles });
  const summaryKeys = [...Object.keys(empty.summary), 'accuracy', 'perplexity'];
  const metricKeys = [...Object.keys(empty.metrics), ...OPTIONAL_METRICS];
  if (!path.includes('.')) {
    if (summaryKeys.includes(path)) return null;
    return { message: `'${path}' is not a summary field`, hint: metricKeys.includes(path) ? `${path} is a distribution: name a statistic, e.g. ${path}.p90` : `summary fields: ${summaryKeys.join(', ')}` };
  }
  const i = path.lastIndexOf('.');
  const metric = path.slice(0, i);
  const stat = path.slice(i + 1);
  if (!metricKeys.includes(metric)) return { message: `'${metric}' is not a metric`, hint: `metrics: ${metricKeys.join(', ')}` };
  const stats = [...STATS, ...percentiles.map((p) => `p${p}`)];
  if (!stats.includes(stat)) return { message: `'${stat}' is not a statistic of ${metric}`, hint: `one of ${stats.join(', ')} (other percentiles: add them to benchmark.percentiles)` };
  return null;
}

function holds(op: SlaOp, v: number, limit: number): boolean {
  return op === '<=' ? v <= limit : op === '<' ? v < limit : op === '>=' ? v >= limit : v > limit;
}

export function checkSla(s: ScenarioResult, lines: readonly SlaLine[]): SlaCheck[] {
  return lines.map((l) => {
    const value = valueAt(s, l.path);
    const scale = Math.abs(l.limit) || 1;
    const margin = value === null ? null : (l.op === '<=' || l.op === '<' ? l.limit - value : value - l.limit) / scale;
    return { path: l.path, op: l.op, limit: l.limit, value, margin, ok: value !== null && holds(l.op, value, l.limit) };
  });
}

/** A measurement with any value within NEAR_LIMIT of its limit (on either side) is measured again. */
export function nearLimit(checks: readonly SlaCheck[]): boolean {
  return checks.some((c) => c.margin !== null && Math.abs(c.margin) <= NEAR_LIMIT);
}
