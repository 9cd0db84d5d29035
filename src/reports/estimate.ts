/**
 * Renders an estimate: a readable two-column table (terminal or Markdown), a flat key,value CSV of every JSON
 * field, or the JSON itself. Pure: returns strings.
 */
import { type Cell, renderTable, type Table, type TableFormat } from './table.js';
import { type EstimateResult } from '../estimate/plan.js';

const GiB = 2 ** 30;

export function formatBytes(b: number | null): string | null {
  if (b === null) return null;
  if (Math.abs(b) >= GiB) return `${(b / GiB).toFixed(2)} GiB`;
  if (Math.abs(b) >= 2 ** 20) return `${(b / 2 ** 20).toFixed(2)} MiB`;
  if (Math.abs(b) >= 1024) return `${(b / 1024).toFixed(2)} KiB`;
  return `${b} B`;
}

function count(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : String(n);
}

function rate(v: number | null, bound: string | null): string | null {
  return v === null ? null : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} tok/s${bound ? ` (${bound}-bound)` : ''}`;
}

export function humanRows(r: EstimateResult): Array<Record<string, Cell>> {
  const k = r.kv_cache;
  const est = k.pool_is_estimate && k.pool_bytes_per_device !== null ? ' (estimate)' : '';
  const rows: Array<[string, Cell]> = [
    ['model', `${r.model.name} (${r.model.arch}, ${r.model.attention}, ${r.model.layers} layers)`],
    ['setup', `${r.setup.engine} on ${r.setup.devices} × ${r.setup.hardware ?? 'unknown device'}, TP ${r.setup.tp}; context ${r.setup.context}, concurrency ${r.setup.concurrency}`],
    ['params total / active', `${count(r.params.total)} / ${count(r.params.active)}${r.params.exact ? ' (from GGUF tensors)' : ''}`],
    ['weights', `${formatBytes(r.weights.bytes_total)} ${r.weights.dtype}; ${formatBytes(r.weights.bytes_per_device)} per device`],
    ['KV per token (per device)', `${formatBytes(k.bytes_per_token)} ${k.dtype}${k.bytes_per_token !== k.bytes_per_token_model ? `; whole model ${formatBytes(k.bytes_per_token_model)}` : ''}`],
    ['KV per sequence', formatBytes(k.bytes_per_sequence)],
  ];
  if (k.state_bytes_per_sequence > 0) rows.push(['recurrent state per sequence', formatBytes(k.state_bytes_per_sequence)]);
  rows.push(
    ['device memory', formatBytes(r.memory.device_bytes)],
    [r.memory.knob ? `budget (${r.memory.knob.name} ${r.memory.knob.value})` : 'budget', formatBytes(r.memory.budget_bytes)],
    ['activations / runtime', r.memory.activation_bytes === null ? null : `${formatBytes(r.memory.activation_bytes)} / ${formatBytes(r.memory.runtime_bytes)} (estimate)`],
    ['KV pool per device', k.pool_bytes_per_device === null ? null : `${formatBytes(k.pool_bytes_per_device)}${est}`],
    ['KV blocks', k.blocks === null ? null : `${k.blocks} × ${k.block_size} tokens`],
    ['max tokens in cache', k.max_tokens],
    ['max concurrent sequences', k.max_concurrency === null ? null : `${k.max_concurrency} at ${r.setup.context} tokens${k.concurrency_ratio !== null ? ` (${k.concurrency_ratio.toFixed(2)}x)` : ''}`],
    ['fits', r.fits === null ? null : r.fits ? 'yes' : `no, short by ${formatBytes(r.shortfall_bytes)}`],
    ['decode, batch 1', rate(r.roofline.decode_tokens_per_s, r.roofline.decode_bound)],
  );
  if ((r.roofline.decode_max_batch ?? 1) > 1) rows.push([`decode, batch ${r.roofline.decode_max_batch}`, rate(r.roofline.decode_tokens_per_s_max_batch, r.roofline.decode_bound_max_batch)]);
  rows.push(
    [`prefill, ${r.setup.input_tokens} tokens`, r.roofline.prefill_tokens_per_s === null ? null : `${rate(r.roofline.prefill_tokens_per_s, r.roofline.prefill_bound)}; TTFT ≥ ${r.roofline.prefill_ms!.toFixed(1)} ms`],
  );
  if (r.suggested) rows.push(['suggested', Object.entries(r.suggested).filter(([, v]) => v !== null).map(([key, v]) => `${key}=${v}`).join(' ')]);
  for (const n of r.notes) rows.push(['note', n]);
  return rows.map(([item, value]) => ({ item, value }));
}

/** Every leaf of the JSON as `dotted.key,value` (arrays and nested objects flattened). */
export function flatten(v: unknown, prefix = '', out: Array<Record<string, Cell>> = []): Array<Record<string, Cell>> {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push({ key: prefix, value: v as Cell });
  }
  return out;
}

export function renderEstimate(r: EstimateResult, format: TableFormat): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  if (format === 'csv') {
    const t: Table = { columns: [{ key: 'key', title: 'key' }, { key: 'value', title: 'value' }], rows: flatten(r) };
    return renderTable(t, 'csv');
  }
  const t: Table = { title: 'llmbench estimate', columns: [{ key: 'item', title: 'quantity', align: 'left' }, { key: 'value', title: 'value', align: 'left' }], rows: humanRows(r) };
  return renderTable(t, format);
}
