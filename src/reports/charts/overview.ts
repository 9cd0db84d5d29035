/**
 * The 2×3 overview of seed 004: throughput, TPOT, TTFT on top; quality, peak memory, KV-cache size below.
 * One bar per scenario (per run and scenario when several runs are compared), coloured by variant, the value
 * written on each bar. A panel whose data was not measured says so instead of drawing zero bars.
 */
import type { TopLevelSpec } from 'vega-lite';
import { absentPanel, baseConfig, isNum, PALETTE, runLabel, SCHEMA_URL, seriesLabel, variantOf, type ChartDef, type RunInput } from './common.js';
import { type ScenarioResult } from '../../core/result.js';
import { kvCacheBytes, peakRssBytes, peakVramBytes } from './memory.js';

interface Panel {
  title: string;
  axis: string;
  format: string;
  value: (s: ScenarioResult) => number | null;
  absent: string;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

function dist(s: ScenarioResult, metric: string, stat: 'p50'): number | null {
  const v = s.metrics?.[metric]?.[stat];
  return isNum(v) ? v : null;
}

function panels(scenarios: ScenarioResult[]): Panel[] {
  const hasAcc = scenarios.some((s) => isNum(s.summary.accuracy));
  const hasVram = scenarios.some((s) => peakVramBytes(s) !== null);
  const quality: Panel = hasAcc
    ? { title: 'Accuracy', axis: 'accuracy', format: '.3f', value: (s) => (isNum(s.summary.accuracy) ? s.summary.accuracy : null), absent: '' }
    : { title: 'Perplexity', axis: 'perplexity (lower is better)', format: '.2f', value: (s) => (isNum(s.summary.perplexity) ? s.summary.perplexity : null), absent: 'quality not measured (no accuracy or perplexity)' };
  const mem: Panel = hasVram
    ? { title: 'Peak VRAM', axis: 'GiB', format: '.2f', value: (s) => { const v = peakVramBytes(s); return v === null ? null : v / GIB; }, absent: '' }
    : { title: 'Peak memory (RSS)', axis: 'GiB', format: '.2f', value: (s) => { const v = peakRssBytes(s); return v === null ? null : v / GIB; }, absent: 'memory not measured' };
  return [
    { title: 'Output throughput', axis: 'tokens/s', format: '.1f', value: (s) => (isNum(s.summary.output_token_throughput) ? s.summary.output_token_throughput : null), absent: 'throughput not measured' },
    { title: 'TPOT p50', axis: 'ms', format: '.2f', value: (s) => dist(s, 'tpot_ms', 'p50'), absent: 'TPOT not measured (outputs under 2 tokens?)' },
    { title: 'TTFT p50', axis: 'ms', format: '.1f', value: (s) => dist(s, 'ttft_ms', 'p50'), absent: 'TTFT not measured' },
    quality,
    mem,
    { title: 'KV cache size', axis: 'MiB', format: '.1f', value: (s) => { const v = kvCacheBytes(s); return v === null ? null : v / MIB; }, absent: 'KV-cache size not measured' },
  ];
}

const W = 260;
const H = 190;
/** Width per bar once there are more bars than fit W; beyond VERTICAL_LABELS bars, values are written upright. */
const BAR_W = 24;
const VERTICAL_LABELS = 8;

export function overviewChart(runs: RunInput[]): ChartDef {
  const multi = runs.length > 1;
  const rows: Array<{ run: RunInput; s: ScenarioResult }> = runs.flatMap((run) => run.result.scenarios.map((s) => ({ run, s })));
  const title = multi ? `Overview: ${runs.map((r) => runLabel(r.result)).join(' vs ')}` : `Overview: ${runLabel(runs[0]!.result)}`;
  if (rows.length === 0) return { name: 'overview', title, spec: null, absent: 'no scenarios in this run' };
  const bars = rows.map(({ run, s }) => ({ label: seriesLabel(run.result, s, multi), variant: variantOf(run.result, s, multi) }));
  const labels = bars.map((b) => b.label);
  const variants = [...new Set(bars.map((b) => b.variant))];
  const color = { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: variants, range: variants.map((_, i) => PALETTE[i % PALETTE.length]) } };
  const width = Math.max(W, rows.length * BAR_W);
  const vertical = rows.length > VERTICAL_LABELS;
  const label = vertical ? { type: 'text', angle: -90, align: 'left', baseline: 'middle', dx: 3, fontSize: 10 } : { type: 'text', dy: -5, fontSize: 10 };
  const cells = panels(rows.map((r) => r.s)).map((p) => {
    const values = rows.flatMap(({ s }, i) => {
      const v = p.value(s);
      return v === null ? [] : [{ label: bars[i]!.label, variant: bars[i]!.variant, value: v }];
    });
    if (values.length === 0) return absentPanel(p.title, p.absent, width, H);
    const x = { field: 'label', type: 'nominal', title: null, sort: labels, axis: { labelAngle: -30, labelLimit: 220 } };
    // Headroom above the tallest bar so its value label is not clipped.
    const top = Math.max(...values.map((v) => v.value));
    const missing = rows.length - values.length;
    return {
      // Bars that were not measured are left out, never drawn as 0; the subtitle says how many.
      title: missing ? { text: p.title, subtitle: `${missing} of ${rows.length} not measured` } : p.title,
      width,
      height: H,
      data: { values },
      encoding: { x, y: { field: 'value', type: 'quantitative', title: p.axis, scale: { domain: [0, top > 0 ? top * (vertical ? 1.35 : 1.15) : 1], nice: false } } },
      layer: [
        { mark: { type: 'bar' }, encoding: { color } },
        { mark: label, encoding: { text: { field: 'value', type: 'quantitative', format: p.format } } },
      ],
    };
  });
  const spec = {
    $schema: SCHEMA_URL,
    title,
    config: baseConfig(),
    vconcat: [{ hconcat: cells.slice(0, 3) }, { hconcat: cells.slice(3, 6) }],
    resolve: { scale: { color: 'shared' } },
  } as unknown as TopLevelSpec;
  return { name: 'overview', title, spec };
}
