/**
 * Shared pieces of the chart builders: what a chart is made from (one or more runs with their records), the
 * labels that tell runs and scenarios apart, and the common vega-lite config (bundled DejaVu font, sizes).
 * Builders are pure: data in, vega-lite spec out (golden-tested); render.ts turns specs into SVG and PNG.
 */
import type { TopLevelSpec } from 'vega-lite';
import { type RunResult, type ScenarioResult } from '../../core/result.js';
import { type RequestRecord } from '../../core/record.js';

export interface RunInput {
  result: RunResult;
  /** The run's requests.jsonl; empty when it was not available (charts built from records then say so). */
  records: RequestRecord[];
}

/** One chart: a spec to draw, or the reason there is nothing to draw (shown instead of an empty chart). */
export interface ChartDef {
  /** File stem: `overview` → overview.svg / overview.png. */
  name: string;
  title: string;
  spec: TopLevelSpec | null;
  absent?: string;
}

export const FONT = 'DejaVu Sans';
export const SCHEMA_URL = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Colours for variants: vega's `tableau10` scheme, then the lighter halves of `tableau20` (spelled out so goldens
 * are stable); past 20 variants colours repeat and the x-axis labels tell bars apart.
 */
export const PALETTE = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac',
  '#9ecae9', '#ffbf79', '#ff9d98', '#88d27a', '#b79a20', '#83bcb6', '#f2cf5b', '#d6a5c9', '#fcbfd2', '#d8b5a5',
];

export function baseConfig(): Record<string, unknown> {
  return {
    font: FONT,
    background: 'white',
    title: { font: FONT, fontSize: 14, anchor: 'start' },
    axis: { labelFont: FONT, titleFont: FONT, labelFontSize: 10, titleFontSize: 11, gridColor: '#e6e6e6' },
    legend: { labelFont: FONT, titleFont: FONT, labelLimit: 260 },
    header: { labelFont: FONT, titleFont: FONT },
    text: { font: FONT },
    view: { stroke: '#cccccc' },
  };
}

/** How a run is named on charts: its --name label, else its id. */
export function runLabel(r: RunResult): string {
  return r.name ? r.name : r.run_id;
}

/** Series label for a scenario: just its id for one run, "run · scenario" when several runs share a chart. */
export function seriesLabel(run: RunResult, s: ScenarioResult | string, multi: boolean): string {
  const id = typeof s === 'string' ? s : s.id;
  return multi ? `${runLabel(run)} · ${id}` : id;
}

/**
 * The variant a bar belongs to (its colour): the scenario's `variant` dimension when it has one, else the run
 * when several runs are compared, else the scenario itself.
 */
export function variantOf(run: RunResult, s: ScenarioResult, multi: boolean): string {
  const v = s.dims?.variant;
  if (v !== undefined && v !== null && v !== '') return String(v);
  return multi ? runLabel(run) : s.id;
}

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A panel that says why it is empty, so a missing measurement is never drawn as a zero bar. */
export function absentPanel(title: string, message: string, width: number, height: number): Record<string, unknown> {
  return {
    title,
    width,
    height,
    data: { values: [{ message }] },
    mark: { type: 'text', fontSize: 12, color: '#777777', font: FONT },
    encoding: { text: { field: 'message', type: 'nominal' } },
  };
}

/** Keeps at most `max` points of a sorted array, evenly spaced, always with the first and last. */
export function thin<T>(sorted: readonly T[], max: number): T[] {
  if (sorted.length <= max) return [...sorted];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (max - 1))]!);
  return out;
}

export function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
