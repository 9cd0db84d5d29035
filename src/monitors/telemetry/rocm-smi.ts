/**
 * rocm-smi: `--showmeminfo vram --showuse --showpower --json` → `{"card0": {"VRAM Total Memory (B)": "25753026560",
 * "VRAM Total Used Memory (B)": "1000", "GPU use (%)": "3", "Average Graphics Package Power (W)": "35.0"}, "system": …}`.
 * Values are strings, memory in bytes; power's key differs by version and GPU ("Average …" on older, "Current Socket
 * …" on MI300), so any key naming Power in W is taken. Source: protocols.md §10.3.
 */
import { type DeviceSample } from './types.js';

export const ROCM_SMI_ARGS = ['--showmeminfo', 'vram', '--showuse', '--showpower', '--json'];

/** A rocm-smi field: a number, or a string with an optional unit (`"250.0 W"`, `"37%"`); `N/A` and blanks are null. */
function reading(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '' || /^n\/?a$/i.test(s)) return null;
  const n = Number(s.replace(/\s*(W|%|B)$/i, ''));
  return Number.isFinite(n) ? n : null;
}

export function parseRocmSmi(text: string): DeviceSample[] {
  // rocm-smi may print warnings before the JSON object.
  const start = text.indexOf('{');
  if (start < 0) return [];
  let j: Record<string, Record<string, unknown>>;
  try {
    j = JSON.parse(text.slice(start)) as typeof j;
  } catch {
    return [];
  }
  const out: DeviceSample[] = [];
  for (const [key, card] of Object.entries(j)) {
    const m = /^card(\d+)$/.exec(key);
    if (!m || !card || typeof card !== 'object') continue;
    const powerKey = Object.keys(card).find((k) => /power/i.test(k) && /\(W\)/.test(k));
    out.push({
      id: m[1]!,
      name: typeof card['Card series'] === 'string' ? (card['Card series'] as string) : null,
      memory_used_bytes: reading(card['VRAM Total Used Memory (B)']),
      memory_total_bytes: reading(card['VRAM Total Memory (B)']),
      utilization_pct: reading(card['GPU use (%)']),
      power_w: powerKey ? reading(card[powerKey]) : null,
    });
  }
  return out;
}
