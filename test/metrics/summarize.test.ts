import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type RequestRecord } from '../../src/core/record.js';
import { deriveRequest, interTokenGaps } from '../../src/metrics/derive.js';
import { maxConcurrency, peakTokensPerSecond, summarizeScenario } from '../../src/metrics/summarize.js';

function rec(over: Partial<RequestRecord> & { sent_at: number; chunk_times: number[] }): RequestRecord {
  const r: RequestRecord = {
    scenario_id: 's', repeat: 0, index: 0, warmup: false, scheduled_at: over.sent_at, first_token_at: over.chunk_times[0] ?? null, first_output_at: over.chunk_times[0] ?? null,
    ended_at: over.chunk_times.at(-1) ?? null, completed_at: (over.chunk_times.at(-1) ?? over.sent_at) + 1, chunk_tokens: null,
    ttft_ms: null, ttfo_ms: null, e2e_ms: null, tpot_ms: null, max_itl_ms: null, last_itl_ms: null, schedule_lag_ms: null,
    input_tokens: 100, input_tokens_source: 'usage', input_tokens_expected: 100, output_tokens: null, output_tokens_source: null,
    output_tokens_usage: over.chunk_times.length, output_tokens_chunks: over.chunk_times.length, output_tokens_tokenizer: null, reasoning_tokens: null, cached_tokens: null,
    requested_output_tokens: null, length_forced: null, output_short: null, output_chars: 4 * over.chunk_times.length, chars_per_token: null, tokens_per_s: null,
    finish_reason: 'length', status: 'ok', error: null, ...over,
  };
  return deriveRequest(r, null);
}

test('per-request: TTFT, E2E, TPOT = (E2E − TTFT)/(n − 1), max and last gap, schedule lag', () => {
  const r = rec({ scheduled_at: 0, sent_at: 2, chunk_times: [52, 62, 72, 92] });
  assert.equal(r.schedule_lag_ms, 2);
  assert.equal(r.ttft_ms, 50);
  assert.equal(r.e2e_ms, 90);
  assert.equal(r.tpot_ms, 40 / 3);
  assert.equal(r.max_itl_ms, 20);
  assert.equal(r.last_itl_ms, 20);
  assert.equal(r.output_tokens, 4);
  assert.equal(r.output_tokens_source, 'usage');
  assert.equal(r.tokens_per_s, 4 / 0.09);
});

test('a one-token answer has no TPOT (null, never 0); a short output is flagged', () => {
  const r = rec({ sent_at: 0, chunk_times: [10], requested_output_tokens: 5, length_forced: true });
  assert.equal(rec({ sent_at: 0, chunk_times: [10], requested_output_tokens: 5 }).output_short, null);
  assert.equal(r.tpot_ms, null);
  assert.equal(r.max_itl_ms, null);
  assert.equal(r.output_short, true);
});

test('multi-token chunks spread their gap over their tokens', () => {
  assert.deepEqual(interTokenGaps([0, 10, 40], [1, 2, 3]), [5, 5, 10, 10, 10]);
  assert.deepEqual(interTokenGaps([0, 10, 40], null), [10, 30]);
});

test('max and last gap are token-weighted like ITL', () => {
  const r = rec({ sent_at: 0, chunk_times: [10, 30, 70, 80], chunk_tokens: [1, 2, 2, 1] });
  assert.equal(r.max_itl_ms, 20);
  assert.equal(r.last_itl_ms, 10);
  const two = rec({ sent_at: 0, chunk_times: [10, 30, 50], chunk_tokens: [2, 2, 2] });
  assert.equal(two.max_itl_ms, 10);
  assert.equal(two.last_itl_ms, 10);
});

test('scenario summary: throughputs, pooled ITL, SLO_P90, lpct, goodput, concurrency and peaks, exactly', () => {
  const a = rec({ index: 0, sent_at: 0, chunk_times: [50, 60, 70], completed_at: 70 });
  const b = rec({ index: 1, sent_at: 0, chunk_times: [100, 130, 160, 190], completed_at: 200 });
  const c = rec({ index: 2, sent_at: 100, status: 'error', chunk_times: [], output_tokens_usage: null, completed_at: 150, error: { kind: 'http', message: 'HTTP 500', http_status: 500 } });
  const w = rec({ index: -1, warmup: true, sent_at: -500, chunk_times: [-400] });
  const s = summarizeScenario([w, a, b, c], { slo: { ttft_ms: 60, tpot_ms: 20 }, concurrency: 2 });
  assert.equal(s.summary.requests_total, 3);
  assert.equal(s.summary.requests_ok, 2);
  assert.equal(s.summary.requests_failed, 1);
  assert.equal(s.summary.error_rate, 1 / 3);
  assert.equal(s.summary.duration_s, 0.2);
  assert.equal(s.summary.request_throughput, 10);
  assert.equal(s.summary.output_token_throughput, 35);
  assert.equal(s.summary.total_token_throughput, 1035);
  assert.equal(s.summary.output_tokens_per_client, 17.5);
  assert.equal(s.summary.mean_concurrency, (70 + 200 + 50) / 1000 / 0.2);
  assert.equal(s.summary.max_concurrency, 2);
  assert.equal(s.summary.good_requests, 1);
  assert.equal(s.summary.goodput, 5);
  assert.equal(s.summary.peak_output_token_throughput, 7);
  assert.deepEqual([s.metrics.itl_ms!.n, s.metrics.itl_ms!.mean, s.metrics.itl_ms!.max], [5, 22, 30]);
  assert.deepEqual([s.metrics.tpot_ms!.min, s.metrics.tpot_ms!.max], [10, 30]);
  assert.equal(s.slo_p90_decode_ms, 28);
  assert.equal(s.lpct_ms, 75 / 100);
  assert.equal(s.metrics.ttft_ms!.n, 2);
});

test('max concurrency and peak tokens/s over exact intervals', () => {
  const mk = (sent: number, end: number) => rec({ sent_at: sent, chunk_times: [end], completed_at: end });
  assert.equal(maxConcurrency([mk(0, 10), mk(10, 20), mk(5, 15)]), 2);
  assert.equal(peakTokensPerSecond([rec({ sent_at: 0, chunk_times: [0, 500, 999, 1000, 1999] })]), 3);
  assert.equal(maxConcurrency([]), null);
});

test('duration over repeats: each repeat\'s span, summed; the pause and the next warmup between them are not serving time', () => {
  // Repeat 0: sent 0, completed 999 + 1; repeat 1 starts 10 s later: sent 10000, completed 10999 + 1.
  const r0 = rec({ repeat: 0, sent_at: 0, chunk_times: [500, 999] });
  const warm = rec({ repeat: 1, index: 0, warmup: true, sent_at: 9000, chunk_times: [9500, 9999] });
  const r1 = rec({ repeat: 1, index: 1, sent_at: 10000, chunk_times: [10500, 10999] });
  const s = summarizeScenario([r0, warm, r1]);
  assert.equal(s.summary.duration_s, 2);
  assert.equal(s.summary.output_token_throughput, 4 / 2);
  assert.equal(s.summary.mean_concurrency, 2 / 2);
  // One repeat: earliest send to latest completion, as before.
  assert.equal(summarizeScenario([r0]).summary.duration_s, 1);
});
