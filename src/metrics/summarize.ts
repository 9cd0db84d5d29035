/**
 * Scenario summaries from raw records (docs/metrics.md §Per scenario). Pure.
 */
import { type RequestRecord } from '../core/record.js';
import { type Distribution, type ScenarioSummary, type TokenCheck } from '../core/result.js';
import { interTokenGaps } from './derive.js';
import { distribution, mean } from './stats.js';

/** --slo ttft:200ms,tpot:50ms,e2e:5s, in ms. A request is good when it meets every given limit. */
export interface Slo {
  ttft_ms?: number;
  tpot_ms?: number;
  e2e_ms?: number;
}

export interface SummarizeOptions {
  percentiles?: readonly number[];
  slo?: Slo | null;
  /** Configured closed-loop concurrency (MindIE's Concurrency); null for open-loop rates. */
  concurrency?: number | null;
  /**
   * --measure-window: only requests sent in [phase start + startMs, phase start + endMs) count, and duration_s is
   * the window's length (its end clipped to the repeat's last completion). Records carry their phase start
   * (`phase_started_at`), so a rebuild or a merge re-summarises the same way from requests.jsonl.
   */
  measureWindow?: MeasureWindow | null;
}

/** --measure-window START,END: durations from the timed phase's start, ms. */
export interface MeasureWindow {
  startMs: number;
  endMs: number;
}

/** Whether a timed record counts under the window (sent, or scheduled when never sent, inside it). */
export function inWindow(r: RequestRecord, w: MeasureWindow | null | undefined): boolean {
  if (!w || typeof r.phase_started_at !== 'number') return true;
  const t = r.sent_at ?? r.scheduled_at;
  return t >= r.phase_started_at + w.startMs && t < r.phase_started_at + w.endMs;
}

export interface ScenarioStats {
  summary: ScenarioSummary;
  metrics: Record<string, Distribution>;
  slo_p90_decode_ms: number | null;
  lpct_ms: number | null;
  token_check: TokenCheck;
}

function isGood(r: RequestRecord, slo: Slo): boolean {
  if (r.status !== 'ok') return false;
  if (slo.ttft_ms !== undefined && !(r.ttft_ms !== null && r.ttft_ms <= slo.ttft_ms)) return false;
  // A request with fewer than 2 output tokens has no TPOT; it cannot violate a TPOT limit (as vLLM counts it).
  if (slo.tpot_ms !== undefined && r.tpot_ms !== null && r.tpot_ms > slo.tpot_ms) return false;
  if (slo.e2e_ms !== undefined && !(r.e2e_ms !== null && r.e2e_ms <= slo.e2e_ms)) return false;
  return true;
}

/** Largest number of requests in flight at once: sweep over [sent_at, completed_at) intervals. */
export function maxConcurrency(records: readonly RequestRecord[]): number | null {
  const ev: Array<[number, number]> = [];
  for (const r of records) {
    if (r.sent_at === null || r.completed_at === null) continue;
    ev.push([r.sent_at, 1], [r.completed_at, -1]);
  }
  if (!ev.length) return null;
  // Ends sort before starts at the same instant: half-open intervals.
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let best = 0;
  for (const [, d] of ev) {
    cur += d;
    if (cur > best) best = cur;
  }
  return best;
}

/** Busiest 1-second window of token arrivals (tokens of a multi-token chunk counted at its arrival). */
export function peakTokensPerSecond(records: readonly RequestRecord[]): number | null {
  const pts: Array<[number, number]> = [];
  for (const r of records) {
    if (r.status !== 'ok') continue;
    r.chunk_times.forEach((t, i) => pts.push([t, r.chunk_tokens?.[i] ?? 1]));
  }
  if (!pts.length) return null;
  pts.sort((a, b) => a[0] - b[0]);
  let best = 0;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < pts.length; hi++) {
    sum += pts[hi]![1];
    while (pts[hi]![0] - pts[lo]![0] >= 1000) sum -= pts[lo++]![1];
    if (sum > best) best = sum;
  }
  return best;
}

/**
 * Per repeat, the span measured: earliest send (or schedule) to latest completion of the counted records. With a
 * measure window: the window itself, its end clipped to the repeat's last completion (of any timed record, so a
 * count-bounded phase that ended early is not stretched to the window's end); empty when that leaves nothing.
 */
function measuredSpans(timed: readonly RequestRecord[], counted: readonly RequestRecord[], w: MeasureWindow | null): Array<{ start: number; end: number; ms: number }> {
  const spans = new Map<number, { start: number; end: number | null; ms?: number }>();
  const widen = (repeat: number, start: number, end: number | null) => {
    const s = spans.get(repeat);
    if (!s) spans.set(repeat, { start, end });
    else {
      if (start < s.start) s.start = start;
      if (end !== null && (s.end === null || end > s.end)) s.end = end;
    }
  };
  if (w) {
    const last = new Map<number, number>();
    const phase = new Map<number, number>();
    for (const r of timed) {
      if (typeof r.phase_started_at === 'number') phase.set(r.repeat, r.phase_started_at);
      if (r.completed_at !== null && r.completed_at > (last.get(r.repeat) ?? -Infinity)) last.set(r.repeat, r.completed_at);
    }
    for (const [repeat, p] of phase) {
      // Lengths from the phase start, so an unclipped window lasts exactly END − START (no rounding of p + x).
      const endRel = Math.min(w.endMs, (last.get(repeat) ?? -Infinity) - p);
      if (endRel > w.startMs) spans.set(repeat, { start: p + w.startMs, end: p + endRel, ms: endRel - w.startMs });
    }
  } else for (const r of counted) widen(r.repeat, r.sent_at ?? r.scheduled_at, r.completed_at);
  return [...spans.values()].filter((s) => s.end !== null).map((s) => ({ start: s.start, end: s.end!, ms: s.ms ?? s.end! - s.start }));
}

export function summarizeScenario(all: readonly RequestRecord[], opts: SummarizeOptions = {}): ScenarioStats {
  const timed = all.filter((r) => !r.warmup);
  const w = opts.measureWindow ?? null;
  const records = w ? timed.filter((r) => inWindow(r, w)) : timed;
  const ok = records.filter((r) => r.status === 'ok');
  const pct = opts.percentiles ?? [];

  // Measured time, seconds: the spans summed over repeats, so the next repeat's warmup and the pause between
  // repeats are not counted as serving time; null when nothing was timed.
  const spans = measuredSpans(timed, records, w);
  const spanMs = spans.reduce((x, sp) => x + sp.ms, 0);
  const dur = spans.length && spanMs > 0 ? spanMs / 1000 : null;
  const windowMs: [number, number] | null = spans.length ? [Math.min(...spans.map((x) => x.start)), Math.max(...spans.map((x) => x.end))] : null;

  const sumOut = ok.reduce((s, r) => s + (r.output_tokens ?? 0), 0);
  const inputsKnown = ok.every((r) => r.input_tokens !== null);
  const sumIn = ok.reduce((s, r) => s + (r.input_tokens ?? 0), 0);
  const busyMs = records.reduce((s, r) => s + (r.sent_at !== null && r.completed_at !== null ? r.completed_at - r.sent_at : 0), 0);

  const perSec = (x: number) => (dur !== null ? x / dur : null);
  const outTput = ok.length ? perSec(sumOut) : null;
  const meanConc = dur !== null ? busyMs / 1000 / dur : null;
  const clients = opts.concurrency ?? meanConc;

  let good: number | null = null;
  if (opts.slo && Object.keys(opts.slo).length) good = records.filter((r) => isGood(r, opts.slo!)).length;

  const summary: ScenarioSummary = {
    requests_total: records.length,
    requests_ok: ok.length,
    requests_failed: records.length - ok.length,
    error_rate: records.length ? (records.length - ok.length) / records.length : null,
    duration_s: dur,
    request_throughput: perSec(ok.length),
    output_token_throughput: outTput,
    total_token_throughput: ok.length && inputsKnown ? perSec(sumIn + sumOut) : null,
    input_token_throughput: ok.length && inputsKnown ? perSec(sumIn) : null,
    output_tokens_per_client: outTput !== null && clients ? outTput / clients : null,
    mean_concurrency: meanConc,
    max_concurrency: maxConcurrency(records),
    goodput: good !== null ? perSec(good) : null,
    good_requests: good,
    peak_output_token_throughput: peakTokensPerSecond(ok),
    window_ms: windowMs,
  };

  const d = (f: (r: RequestRecord) => number | null | undefined) => distribution(ok.map(f), pct);
  const metrics: Record<string, Distribution> = {
    ttft_ms: d((r) => r.ttft_ms),
    ttfo_ms: d((r) => r.ttfo_ms),
    tpot_ms: d((r) => r.tpot_ms),
    itl_ms: distribution(ok.flatMap((r) => interTokenGaps(r.chunk_times, r.chunk_tokens)), pct),
    e2e_ms: d((r) => r.e2e_ms),
    max_itl_ms: d((r) => r.max_itl_ms),
    last_itl_ms: d((r) => r.last_itl_ms),
    input_tokens: d((r) => r.input_tokens),
    output_tokens: d((r) => r.output_tokens),
    output_tokens_per_s: d((r) => r.tokens_per_s),
    output_chars: d((r) => r.output_chars),
    chars_per_token: d((r) => r.chars_per_token),
    schedule_lag_ms: distribution(records.map((r) => r.schedule_lag_ms), pct),
  };
  // Server-reported and engine-measured timings, when any record has them.
  const st = (k: string) => ok.map((r) => (r.server_timings ? (r.server_timings[k] as number | null | undefined) : undefined));
  for (const k of ['ttft_ms', 'e2e_ms', 'queue_ms', 'prefill_ms', 'decode_ms'] as const) {
    const dist = distribution(st(k), pct);
    if (dist.n) metrics[`server_${k}`] = dist;
  }
  const diffE2e = ok.map((r) => (r.e2e_ms !== null && typeof r.server_timings?.e2e_ms === 'number' ? r.e2e_ms - r.server_timings.e2e_ms : null));
  const diffTtft = ok.map((r) => (r.ttft_ms !== null && typeof r.server_timings?.ttft_ms === 'number' ? r.ttft_ms - r.server_timings.ttft_ms : null));
  const dE = distribution(diffE2e, pct);
  if (dE.n) metrics.client_minus_server_e2e_ms = dE;
  const dT = distribution(diffTtft, pct);
  if (dT.n) metrics.client_minus_server_ttft_ms = dT;
  const eng = (k: string) => ok.map((r) => (r.engine ? (r.engine[k] as number | null | undefined) : undefined));
  for (const k of ['prefill_ms', 'tokenize_ms', 'detokenize_ms'] as const) {
    const dist = distribution(eng(k), pct);
    if (dist.n) metrics[`engine_${k}`] = dist;
  }
  const steps = distribution(ok.flatMap((r) => r.engine?.decode_steps_ms ?? []), pct);
  if (steps.n) metrics.engine_decode_step_ms = steps;

  // MindIE SLO_P90: each request's decode times averaged, then the p90 across requests = p90 of TPOT.
  const sloP90 = metrics.tpot_ms!.p90;
  // MindIE lpct: mean first-token time per input token.
  const meanTtft = metrics.ttft_ms!.mean;
  const meanIn = mean(ok.map((r) => r.input_tokens).filter((x): x is number => x !== null));
  const lpct = meanTtft !== null && meanIn ? meanTtft / meanIn : null;

  return { summary, metrics, slo_p90_decode_ms: sloP90, lpct_ms: lpct, token_check: tokenCheck(records) };
}

export function tokenCheck(records: readonly RequestRecord[]): TokenCheck {
  const requested = records.filter((r) => r.requested_output_tokens !== null && r.length_forced !== null);
  const short = records.filter((r) => r.output_short === true);
  const count = (k: 'output_tokens_source' | 'input_tokens_source') => {
    const m: Record<string, number> = {};
    for (const r of records) {
      const s = r[k];
      if (s) m[s] = (m[s] ?? 0) + 1;
    }
    return m;
  };
  const forced = requested.map((r) => r.length_forced);
  return {
    requested: requested.filter((r) => r.length_forced).length,
    short: short.length,
    short_requests: short.map((r) => ({ repeat: r.repeat, index: r.index, requested: r.requested_output_tokens!, usage: r.output_tokens_usage, chunks: r.output_tokens_chunks, tokenizer: r.output_tokens_tokenizer })),
    usage_chunk_mismatch: records.filter((r) => r.status === 'ok' && r.output_tokens_usage !== null && r.output_tokens_usage !== r.output_tokens_chunks).length,
    length_forced: forced.length ? forced.every(Boolean) : null,
    output_token_sources: count('output_tokens_source'),
    input_token_sources: count('input_tokens_source'),
  };
}
