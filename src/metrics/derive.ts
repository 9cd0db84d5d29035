/**
 * Per-request metrics from one record's raw timestamps and counts (docs/metrics.md §Per request).
 * Pure: the recorder calls it once the request is over; `llmbench` never stores a derived value it could not
 * recompute from the raw fields of the same line.
 */
import { type RequestRecord, type TokenCountSource } from '../core/record.js';
import { maxOf } from './stats.js';

/** The output token count and where it came from: usage, else a tokenizer, else the chunk count. */
export function chooseOutputTokens(r: Pick<RequestRecord, 'output_tokens_usage' | 'output_tokens_tokenizer' | 'output_tokens_chunks' | 'chunk_tokens'>, tokenizerSource: TokenCountSource | null): { n: number; source: TokenCountSource } {
  if (r.output_tokens_usage !== null) return { n: r.output_tokens_usage, source: 'usage' };
  if (r.output_tokens_tokenizer !== null && tokenizerSource) return { n: r.output_tokens_tokenizer, source: tokenizerSource };
  return { n: r.output_tokens_chunks, source: 'chunks' };
}

/** Gaps between consecutive token-bearing chunks, ms. A chunk known to carry k > 1 tokens contributes k equal gaps
 * (token-weighted, so multi-token chunks from speculative decoding or stream intervals don't inflate ITL). */
export function interTokenGaps(chunkTimes: readonly number[], chunkTokens: readonly number[] | null): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < chunkTimes.length; i++) {
    const g = chunkTimes[i]! - chunkTimes[i - 1]!;
    const k = chunkTokens?.[i] ?? 1;
    if (k > 1) for (let j = 0; j < k; j++) gaps.push(g / k);
    else gaps.push(g);
  }
  return gaps;
}

/** Fills the derived fields of a finished record in place and returns it. */
export function deriveRequest(r: RequestRecord, tokenizerSource: TokenCountSource | null): RequestRecord {
  const sent = r.sent_at;
  r.schedule_lag_ms = sent !== null ? sent - r.scheduled_at : null;
  r.ttft_ms = sent !== null && r.first_token_at !== null ? r.first_token_at - sent : null;
  r.ttfo_ms = sent !== null && r.first_output_at !== null ? r.first_output_at - sent : null;
  r.e2e_ms = r.status === 'ok' && sent !== null && r.ended_at !== null ? r.ended_at - sent : null;

  const out = chooseOutputTokens(r, tokenizerSource);
  r.output_tokens = r.status === 'ok' || out.n > 0 ? out.n : null;
  r.output_tokens_source = r.output_tokens === null ? null : out.source;

  r.tpot_ms = r.e2e_ms !== null && r.ttft_ms !== null && r.output_tokens !== null && r.output_tokens >= 2 ? (r.e2e_ms - r.ttft_ms) / (r.output_tokens - 1) : null;

  const gaps = interTokenGaps(r.chunk_times, r.chunk_tokens);
  r.max_itl_ms = maxOf(gaps);
  r.last_itl_ms = gaps.length ? gaps[gaps.length - 1]! : null;

  r.chars_per_token = r.output_tokens ? r.output_chars / r.output_tokens : null;
  r.tokens_per_s = r.e2e_ms !== null && r.e2e_ms > 0 && r.output_tokens !== null ? r.output_tokens / (r.e2e_ms / 1000) : null;
  // Only an exact length that was asked for can come up short; a dataset's max_tokens cap is just a cap.
  r.output_short = r.requested_output_tokens !== null && r.length_forced !== null && r.output_tokens !== null && r.status === 'ok' ? r.output_tokens < r.requested_output_tokens : null;
  return r;
}
