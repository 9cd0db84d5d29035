/**
 * The terminal tables `run` prints and `report` reproduces: one per scenario (metric × statistic, in the
 * layout of MindIE's benchmark output, seed 001) and one summary row per scenario. Pure: they return Table
 * models; src/reports/table.ts renders them as terminal, Markdown, CSV or JSON.
 */
import { type Distribution, type RunResult, type ScenarioResult } from '../core/result.js';
import { type Cell, type Column, type Table } from './table.js';
import { num } from '../core/num.js';

/** Rows of the per-scenario table: metric key in `ScenarioResult.metrics`, and the label with its unit. */
export const SCENARIO_METRICS: ReadonlyArray<readonly [key: string, label: string]> = [
  ['ttft_ms', 'TTFT (ms)'],
  ['ttfo_ms', 'TTFO (ms)'],
  ['tpot_ms', 'TPOT (ms)'],
  ['itl_ms', 'ITL (ms)'],
  ['e2e_ms', 'E2E (ms)'],
  ['max_itl_ms', 'max ITL (ms)'],
  ['input_tokens', 'input tokens'],
  ['output_tokens', 'output tokens'],
];

const STATS = ['mean', 'min', 'max', 'p50', 'p75', 'p90', 'p99'] as const;

export function scenarioTable(s: ScenarioResult): Table {
  const columns: Column[] = [
    { key: 'metric', title: 'metric', align: 'left' },
    ...STATS.map((k): Column => ({ key: k, title: k, align: 'right' })),
    { key: 'n', title: 'n', align: 'right', decimals: 0 },
  ];
  const rows = SCENARIO_METRICS.map(([key, label]) => {
    const d: Distribution | undefined = s.metrics[key];
    const row: Record<string, Cell> = { metric: label };
    for (const k of STATS) row[k] = d ? d[k] : null;
    row.n = d ? d.n : 0;
    return row;
  });
  return {
    title: `scenario ${s.id}${s.status === 'ok' ? '' : ` (${s.status})`}`,
    columns,
    rows,
    // SLO_P90 and lpct are single numbers (MindIE's definitions, docs/metrics.md), so they sit under the table.
    footer: [`SLO_P90 decode: ${fmtMs(s.slo_p90_decode_ms)}   lpct: ${fmtMs(s.lpct_ms)}`, ...saturationLine(s)],
  };
}

/** --stop-when-saturated's verdict (absent without the flag): its latencies then measure a queue, so say it here. */
function saturationLine(s: ScenarioResult): string[] {
  const saturated = (s as { saturated?: unknown }).saturated;
  if (typeof saturated !== 'boolean') return [];
  const at = num((s as { saturated_at_ms?: unknown }).saturated_at_ms);
  return [saturated ? `saturated: stopped at ${at === null ? 'n/a' : `${(at / 1000).toFixed(1)} s`} on the run clock (requests in flight and TTFT kept growing)` : 'saturated: no (requests in flight and TTFT did not both keep growing)'];
}

function fmtMs(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : `${Number(v.toFixed(4))} ms`;
}

function stat(s: ScenarioResult, metric: string, k: 'p50' | 'p90'): number | null {
  return s.metrics[metric]?.[k] ?? null;
}

/** Memory columns of the summary (embedded engine: ScenarioResult.memory), in MiB as the engine reports bytes. */
const MEMORY_COLUMNS: ReadonlyArray<readonly [key: string, title: string]> = [
  ['peak_rss_bytes', 'peak RSS (MiB)'],
  ['model_bytes', 'model (MiB)'],
  ['kv_cache_bytes', 'KV cache (MiB)'],
  ['engine_vram_bytes', 'VRAM (MiB)'],
];

function memoryMiB(s: ScenarioResult, key: string): number | null {
  const v = num((s.memory as Record<string, unknown> | null | undefined)?.[key]);
  return v === null ? null : v / 2 ** 20;
}

/**
 * One row per scenario. Quality columns appear only when some scenario measured them, memory columns only when
 * some scenario measured memory (the embedded engine: seed 000 reads latency, tokens/s and memory side by side).
 */
export function summaryTable(r: RunResult): Table {
  const hasAcc = r.scenarios.some((s) => num(s.summary.accuracy) !== null);
  const hasPpl = r.scenarios.some((s) => num(s.summary.perplexity) !== null);
  const columns: Column[] = [
    { key: 'scenario', title: 'scenario', align: 'left' },
    { key: 'requests_ok', title: 'ok', align: 'right' },
    { key: 'requests_failed', title: 'failed', align: 'right' },
    { key: 'request_throughput', title: 'req/s', align: 'right' },
    { key: 'output_token_throughput', title: 'out tok/s', align: 'right' },
    { key: 'total_token_throughput', title: 'total tok/s', align: 'right' },
    { key: 'ttft_ms_p50', title: 'TTFT p50 (ms)', align: 'right' },
    { key: 'ttft_ms_p90', title: 'TTFT p90 (ms)', align: 'right' },
    { key: 'tpot_ms_p50', title: 'TPOT p50 (ms)', align: 'right' },
    { key: 'tpot_ms_p90', title: 'TPOT p90 (ms)', align: 'right' },
    { key: 'e2e_ms_p50', title: 'E2E p50 (ms)', align: 'right' },
    { key: 'goodput', title: 'goodput (req/s)', align: 'right' },
  ];
  if (hasAcc) columns.push({ key: 'accuracy', title: 'accuracy', align: 'right', decimals: 4 }, { key: 'accuracy_ci95', title: 'accuracy 95% CI', align: 'right' });
  if (hasPpl) columns.push({ key: 'perplexity', title: 'perplexity', align: 'right', decimals: 4 });
  const memCols = MEMORY_COLUMNS.filter(([k]) => r.scenarios.some((s) => memoryMiB(s, k) !== null));
  for (const [k, title] of memCols) columns.push({ key: k.replace(/_bytes$/, '_mib'), title, align: 'right', decimals: 1 });
  const rows = r.scenarios.map((s) => {
    const row: Record<string, Cell> = {
      scenario: s.id,
      requests_ok: s.summary.requests_ok,
      requests_failed: s.summary.requests_failed,
      request_throughput: s.summary.request_throughput,
      output_token_throughput: s.summary.output_token_throughput,
      total_token_throughput: s.summary.total_token_throughput,
      ttft_ms_p50: stat(s, 'ttft_ms', 'p50'),
      ttft_ms_p90: stat(s, 'ttft_ms', 'p90'),
      tpot_ms_p50: stat(s, 'tpot_ms', 'p50'),
      tpot_ms_p90: stat(s, 'tpot_ms', 'p90'),
      e2e_ms_p50: stat(s, 'e2e_ms', 'p50'),
      goodput: s.summary.goodput,
    };
    if (hasAcc) {
      row.accuracy = num(s.summary.accuracy);
      const ci = s.summary.accuracy_ci95;
      row.accuracy_ci95 = Array.isArray(ci) ? `${ci[0].toFixed(4)}–${ci[1].toFixed(4)}` : null;
    }
    if (hasPpl) row.perplexity = num(s.summary.perplexity);
    for (const [k] of memCols) row[k.replace(/_bytes$/, '_mib')] = memoryMiB(s, k);
    return row;
  });
  const name = r.name ? `${r.name} ` : '';
  const model = r.target?.model ? ` · ${r.target.model}` : '';
  return { title: `summary ${name}(${r.run_id}${model})`, columns, rows };
}
