/**
 * Imports the JSON that `vllm bench serve --save-result` writes (vllm/benchmarks/serve.py): one file, one
 * scenario. Its keys are `{mean,median,std,p<N>}_{ttft,tpot,itl,e2el}_ms` plus run totals; they map onto
 * llmbench names as listed in docs/reports.md ("Importing vLLM and llama-bench results").
 */
import { type Distribution, type ScenarioSummary } from '../../core/result.js';
import { type RunResult } from '../../core/result.js';
import { distribution } from '../../metrics/stats.js';
import { emptySummary, importedRun, importedScenario } from './common.js';
import { num } from '../../core/num.js';

/** vLLM metric stem → llmbench metric key. */
export const VLLM_METRICS: Record<string, string> = { ttft: 'ttft_ms', tpot: 'tpot_ms', itl: 'itl_ms', e2el: 'e2e_ms' };

/** vLLM summary key → llmbench summary key. */
export const VLLM_SUMMARY: Record<string, keyof ScenarioSummary & string> = {
  request_throughput: 'request_throughput',
  output_throughput: 'output_token_throughput',
  total_token_throughput: 'total_token_throughput',
  request_goodput: 'goodput',
  duration: 'duration_s',
  completed: 'requests_ok',
  failed: 'requests_failed',
  max_output_tokens_per_s: 'peak_output_token_throughput',
  max_concurrent_requests: 'max_concurrency',
};

export function isVllmResult(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && 'request_throughput' in v && ('mean_ttft_ms' in v || 'output_throughput' in v);
}

const STAT_RE = /^(mean|median|std|p(\d+(?:\.\d+)?))_([a-z0-9]+)_ms$/;

export function importVllm(raw: Record<string, unknown>, file: string, label: string): RunResult {
  const summary = emptySummary();
  for (const [from, to] of Object.entries(VLLM_SUMMARY)) {
    const v = num(raw[from]);
    if (v !== null) (summary as Record<string, unknown>)[to] = v;
  }
  const unmeasured: string[] = [];
  if (num(raw.completed) === null) unmeasured.push('requests_total', 'requests_ok', 'requests_failed');
  else summary.requests_total = num(raw.completed)! + (num(raw.failed) ?? 0);
  if (num(raw.failed) === null && !unmeasured.length) unmeasured.push('requests_failed');
  if (num(raw.failed) !== null && summary.requests_total > 0) summary.error_rate = num(raw.failed)! / summary.requests_total;
  const inTok = num(raw.total_input_tokens);
  const dur = num(raw.duration);
  if (inTok !== null && dur) summary.input_token_throughput = inTok / dur;
  const metrics: Record<string, Distribution> = {};
  const completed = num(raw.completed) ?? 0;
  for (const [key, value] of Object.entries(raw)) {
    const m = STAT_RE.exec(key);
    const v = num(value);
    if (!m || v === null) continue;
    const target = VLLM_METRICS[m[3]!];
    if (!target) continue;
    const d = (metrics[target] ??= { ...distribution([]), n: completed });
    const stat = m[1] === 'median' ? 'p50' : m[1] === 'mean' ? 'mean' : m[1] === 'std' ? 'std' : `p${m[2]}`;
    (d as unknown as Record<string, number | null>)[stat] = v;
  }
  const mc = num(raw.max_concurrency);
  const rate = typeof raw.request_rate === 'number' || typeof raw.request_rate === 'string' ? String(raw.request_rate) : null;
  const id = mc !== null ? `c${mc}` : rate !== null && rate !== 'inf' ? `rate${rate}` : 'default';
  const dims = { concurrency: mc, rate: rate !== null && rate !== 'inf' ? Number(rate) : null, num_prompts: num(raw.num_prompts) };
  const keep: Record<string, unknown> = {};
  for (const k of ['date', 'backend', 'model_id', 'tokenizer_id', 'num_prompts', 'request_rate', 'burstiness', 'max_concurrency']) if (k in raw) keep[k] = raw[k];
  const model = typeof raw.model_id === 'string' ? raw.model_id : null;
  return importedRun('vllm', file, label, model, null, [importedScenario(id, dims, summary, metrics, unmeasured)], keep);
}
