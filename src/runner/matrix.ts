/**
 * The scenario grid: target variants (model × engine settings) × workload variants (input × output lengths, or
 * one prompt file / dataset) × load points (concurrency or rate values). A scenario id is a deterministic slug of
 * its dimensions: workload and load always (in128_out256_c8), other dimensions only when they vary, so ids stay
 * stable across runs and `compare`/history can match scenarios.
 */
import { type LoadSpec } from '../schedules/schedule.js';
import { type Workload } from '../workloads/workload.js';

export type DimValue = string | number | boolean | null;

export interface Variant<T> {
  dims: Record<string, DimValue>;
  value: T;
}

export interface ScenarioSpec<TV, WV> {
  id: string;
  dims: Record<string, DimValue>;
  target: Variant<TV>;
  workload: Variant<WV>;
  load: LoadSpec;
}

/** Cartesian product of named lists; an empty list means "not set" and contributes nothing. */
export function product(lists: Array<[string, DimValue[]]>): Array<Record<string, DimValue>> {
  let acc: Array<Record<string, DimValue>> = [{}];
  for (const [name, values] of lists) {
    if (!values.length) continue;
    acc = acc.flatMap((a) => values.map((v) => ({ ...a, [name]: v })));
  }
  return acc;
}

export function loadDims(l: LoadSpec): Record<string, DimValue> {
  switch (l.mode) {
    case 'sequential':
      return { concurrency: 1 };
    case 'concurrency':
      return { concurrency: l.concurrency };
    case 'batch':
      return { batch: true };
    case 'rate':
      return l.concurrency ? { rate: l.rate, concurrency: l.concurrency } : { rate: l.rate };
    case 'trace':
      return l.time_scale !== 1 ? { time_scale: l.time_scale } : {};
  }
}

const SHORT: Record<string, string> = {
  model: 'm',
  input_tokens: 'in',
  output_tokens: 'out',
  concurrency: 'c',
  rate: 'r',
  batch: 'batch',
  threads: 't',
  batch_size: 'bs',
  context_size: 'ctx',
  gpu_layers: 'ngl',
  kv_cache_type: 'kv',
  dataset: 'ds',
  prompts: 'prompts',
  conversations: 'conv',
  trace: 'trace',
  time_scale: 'x',
  turn_input_tokens: 'tin',
  turn_output_tokens: 'tout',
};

function slugValue(v: DimValue): string {
  if (v === true) return '';
  return String(v).replace(/\.gguf$/i, '').replace(/^.*[\\/]/, '').replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 40);
}

/** Builds ids; `always` dims appear in every id, others only when they differ between scenarios. */
export function scenarioIds(all: Array<Record<string, DimValue>>, always: readonly string[]): string[] {
  const keys = [...new Set(all.flatMap((d) => Object.keys(d)))];
  const varying = new Set(keys.filter((k) => always.includes(k) || new Set(all.map((d) => JSON.stringify(d[k] ?? null))).size > 1));
  const order = ['model', 'threads', 'batch_size', 'context_size', 'gpu_layers', 'kv_cache_type', 'dataset', 'prompts', 'conversations', 'trace', 'turns', 'turn_input_tokens', 'turn_output_tokens', 'input_tokens', 'output_tokens', 'batch', 'rate', 'concurrency'];
  const sorted = [...keys].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const ids = all.map((d) =>
    sorted
      .filter((k) => varying.has(k) && d[k] !== undefined && d[k] !== null)
      .map((k) => `${SHORT[k] ?? k.replace(/_/g, '')}${slugValue(d[k]!)}`)
      .join('_') || 'default',
  );
  // Disambiguate any collision deterministically.
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n > 1 ? `${id}-${n}` : id;
  });
}

export function buildMatrix<TV, WV>(targets: Variant<TV>[], workloads: Variant<WV>[], loads: LoadSpec[]): ScenarioSpec<TV, WV>[] {
  const specs: Array<Omit<ScenarioSpec<TV, WV>, 'id'>> = [];
  for (const t of targets) for (const w of workloads) for (const l of loads) specs.push({ dims: { ...t.dims, ...w.dims, ...loadDims(l) }, target: t, workload: w, load: l });
  const ids = scenarioIds(specs.map((s) => s.dims), ['input_tokens', 'output_tokens', 'concurrency', 'rate', 'batch', 'dataset', 'prompts', 'conversations', 'trace', 'turns', 'turn_input_tokens', 'turn_output_tokens']);
  return specs.map((s, i) => ({ ...s, id: ids[i]! }));
}

export type { Workload };
