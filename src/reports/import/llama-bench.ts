/**
 * Imports `llama-bench -o json` output: an array of tests, each a prompt-processing (n_prompt > 0, n_gen = 0),
 * text-generation (n_gen > 0, n_prompt = 0) or combined test with avg_ts/stddev_ts tokens per second over its
 * repetitions. pp tests become `prefill_tokens_per_s`, tg tests `decode_tokens_per_s`; the repetitions'
 * standard deviation becomes repeat_spread, so compare can tell a real difference from noise.
 */
import { type RunResult, type ScenarioResult } from '../../core/result.js';
import { emptySummary, importedRun, importedScenario } from './common.js';
import { num } from '../../core/num.js';

export function isLlamaBenchResult(v: unknown): v is Array<Record<string, unknown>> {
  return Array.isArray(v) && v.length > 0 && v.every((t) => !!t && typeof t === 'object' && 'avg_ts' in t && 'n_prompt' in t && 'n_gen' in t);
}

export function llamaBenchScenarioId(t: Record<string, unknown>): string {
  const p = num(t.n_prompt) ?? 0;
  const g = num(t.n_gen) ?? 0;
  const d = num(t.n_depth) ?? 0;
  // llama-bench's own test names: pp512, tg128, pp512+tg128; "@ d4096" for a prefilled depth.
  const base = p > 0 && g > 0 ? `pp${p}+tg${g}` : p > 0 ? `pp${p}` : `tg${g}`;
  return d > 0 ? `${base}@d${d}` : base;
}

export function importLlamaBench(tests: Array<Record<string, unknown>>, file: string, label: string): RunResult {
  const seen = new Map<string, number>();
  const scenarios: ScenarioResult[] = tests.map((t) => {
    let id = llamaBenchScenarioId(t);
    const k = (seen.get(id) ?? 0) + 1;
    seen.set(id, k);
    if (k > 1) id = `${id}#${k}`;
    const p = num(t.n_prompt) ?? 0;
    const g = num(t.n_gen) ?? 0;
    const ts = num(t.avg_ts);
    const sd = num(t.stddev_ts);
    const samples = Array.isArray(t.samples_ts) ? t.samples_ts.length : 0;
    const key = g > 0 && p === 0 ? 'decode_tokens_per_s' : p > 0 && g === 0 ? 'prefill_tokens_per_s' : 'tokens_per_s';
    const summary = { ...emptySummary(), [key]: ts };
    if (g > 0 && p === 0) summary.output_token_throughput = ts;
    const s = importedScenario(id, { n_prompt: p, n_gen: g, n_depth: num(t.n_depth), n_threads: num(t.n_threads), n_gpu_layers: num(t.n_gpu_layers) }, summary, {}, ['requests_total', 'requests_ok', 'requests_failed']);
    if (ts !== null && sd !== null) {
      const spread = { mean: ts, std: sd, cv: ts ? sd / ts : null, min: null, max: null, n: samples };
      s.repeat_spread = { [key]: spread, ...(key === 'decode_tokens_per_s' ? { output_token_throughput: spread } : {}) };
    }
    return s;
  });
  const first = tests[0] ?? {};
  const model = typeof first.model_type === 'string' ? first.model_type : typeof first.model_filename === 'string' ? first.model_filename : null;
  const keep: Record<string, unknown> = {};
  for (const k of ['build_commit', 'build_number', 'cpu_info', 'gpu_info', 'backends', 'model_filename', 'model_type', 'model_size', 'model_n_params', 'n_batch', 'n_ubatch', 'n_threads', 'type_k', 'type_v', 'n_gpu_layers', 'flash_attn']) {
    if (k in first) keep[k] = first[k];
  }
  return importedRun('llama-bench', file, label, model, typeof first.test_time === 'string' ? first.test_time : null, scenarios, keep);
}
