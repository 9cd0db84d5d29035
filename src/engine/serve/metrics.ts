/**
 * Prometheus metrics of `llmbench serve`, in the text exposition format (version 0.0.4:
 * https://prometheus.io/docs/instrumenting/exposition_formats/). Names follow Prometheus conventions (base units:
 * seconds; counters end in _total) with an `llmbench:` prefix, the way vLLM uses `vllm:` and llama.cpp `llamacpp:`.
 * Rendering is a pure function of the state.
 */

/** TTFT buckets (s): the vLLM set (vllm/engine/metrics.py time_to_first_token_seconds) down to 1 ms. */
export const TTFT_BUCKETS_S = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Per-output-token buckets (s): sub-millisecond steps are common for tiny in-process models. */
export const TPOT_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1];
export const E2E_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
}

export class ServeMetrics {
  running = 0;
  waiting = 0;
  promptTokens = 0;
  /** Prompt tokens served from the prefix cache (a subset of promptTokens). */
  cachedPromptTokens = 0;
  generationTokens = 0;
  /** Finished requests by finish reason ('stop' | 'length' | 'abort' | 'error'). */
  readonly finished = new Map<string, number>();
  readonly ttft = new Histogram(TTFT_BUCKETS_S);
  readonly tpot = new Histogram(TPOT_BUCKETS_S);
  readonly e2e = new Histogram(E2E_BUCKETS_S);
  finish(reason: string): void {
    this.finished.set(reason, (this.finished.get(reason) ?? 0) + 1);
  }
}

function sampleValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));
}

function label(model: string, extra: Record<string, string> = {}): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const parts = Object.entries({ model_name: model, ...extra }).map(([k, v]) => `${k}="${esc(v)}"`);
  return `{${parts.join(',')}}`;
}

function histogram(lines: string[], name: string, help: string, h: Histogram, model: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  h.buckets.forEach((b, i) => lines.push(`${name}_bucket${label(model, { le: sampleValue(b) })} ${h.counts[i]}`));
  lines.push(`${name}_bucket${label(model, { le: '+Inf' })} ${h.count}`, `${name}_sum${label(model)} ${sampleValue(h.sum)}`, `${name}_count${label(model)} ${h.count}`);
}

export function renderMetrics(m: ServeMetrics, model: string): string {
  const l: string[] = [];
  const gauge = (name: string, help: string, v: number) => l.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${label(model)} ${sampleValue(v)}`);
  const counter = (name: string, help: string, v: number) => l.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${label(model)} ${sampleValue(v)}`);
  gauge('llmbench:num_requests_running', 'Requests being decoded (holding a sequence).', m.running);
  gauge('llmbench:num_requests_waiting', 'Requests waiting for a free sequence.', m.waiting);
  counter('llmbench:prompt_tokens_total', 'Prompt tokens processed.', m.promptTokens);
  counter('llmbench:prompt_tokens_cached_total', 'Prompt tokens served from the prefix cache (KV cells reused from an earlier request).', m.cachedPromptTokens);
  counter('llmbench:generation_tokens_total', 'Tokens generated.', m.generationTokens);
  l.push('# HELP llmbench:request_success_total Finished requests by finish reason.', '# TYPE llmbench:request_success_total counter');
  for (const [reason, n] of [...m.finished].sort()) l.push(`llmbench:request_success_total${label(model, { finished_reason: reason })} ${n}`);
  histogram(l, 'llmbench:time_to_first_token_seconds', 'Time from receiving the request to the first generated token.', m.ttft, model);
  histogram(l, 'llmbench:time_per_output_token_seconds', 'Time between consecutive generated tokens of a request.', m.tpot, model);
  histogram(l, 'llmbench:e2e_request_latency_seconds', 'Time from receiving the request to its last token.', m.e2e, model);
  return l.join('\n') + '\n';
}
