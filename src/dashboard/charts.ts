/**
 * The reports' vega-lite specs (src/reports/charts), made interactive for the browser: tooltips on every mark,
 * zoom and pan on time axes, series toggled from the legend, and the timeline's points carrying the index of
 * their record so a click can open it. Pure: spec in, spec out; the browser compiles and renders them.
 */
import { type ChartDef } from '../reports/charts/common.js';
import { type RequestRecord } from '../core/record.js';

type Obj = Record<string, unknown>;

/**
 * A deep copy with U+2028/U+2029 in strings made spaces: vega-lite writes some data values (sort orders, legend
 * domains) into vega expressions, whose parser rejects those two characters ("Unexpected token ILLEGAL").
 */
function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) => (typeof x === 'string' ? x.replace(/[\u2028\u2029]/g, ' ') : x)) as T;
}

function withTooltips(spec: Obj): void {
  const config = (spec.config as Obj | undefined) ?? {};
  spec.config = { ...config, mark: { ...((config.mark as Obj | undefined) ?? {}), tooltip: true } };
}

/** Zoom and pan along x (drag, wheel; double-click resets), bound to the scales of the first (or only) view. */
function withZoom(spec: Obj): void {
  const zoom = { name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' };
  const target = Array.isArray(spec.layer) ? (spec.layer[0] as Obj) : spec;
  target.params = [...((target.params as unknown[] | undefined) ?? []), zoom];
}

/** Clicking a legend entry shows only that series (shift-click adds more); double-click shows all again. */
function withLegendToggle(spec: Obj): void {
  const enc = spec.encoding as Obj | undefined;
  const color = enc?.color as Obj | undefined;
  if (!enc || !color || typeof color.field !== 'string' || Array.isArray(spec.layer)) return;
  spec.params = [...((spec.params as unknown[] | undefined) ?? []), { name: 'pick', select: { type: 'point', fields: [color.field] }, bind: 'legend' }];
  enc.opacity = { condition: { param: 'pick', value: 1 }, value: 0.15 };
}

/** The order timelineChart numbers requests in (`req` = position + 1), as indexes into `records`. */
export function timelineOrder(records: RequestRecord[]): number[] {
  return records
    .map((r, i) => ({ r, i }))
    .filter((x) => !x.r.warmup)
    .sort((a, b) => a.r.scheduled_at - b.r.scheduled_at || a.r.index - b.r.index)
    .map((x) => x.i);
}

export function interactiveSpec(def: ChartDef, records: RequestRecord[] = []): Obj | null {
  if (!def.spec) return null;
  const spec = clone(def.spec) as unknown as Obj;
  withTooltips(spec);
  const base = def.name.replace(/-\d+$/, '');
  if (base === 'timeline') {
    const order = timelineOrder(records);
    for (const layer of (spec.layer as Obj[] | undefined) ?? []) {
      const data = layer.data as { values?: Obj[] } | undefined;
      for (const v of data?.values ?? []) v.record = order[(v.req as number) - 1] ?? null;
    }
    withZoom(spec);
  } else if (base === 'tokens-over-time') {
    withZoom(spec);
    withLegendToggle(spec);
  }
  return spec;
}
