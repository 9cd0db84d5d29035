/**
 * Server-reported timings beside the client's, per scenario: the mean of each server figure, and the mean of
 * client − server for the pairs that measure the same span. The difference is network, HTTP and client time
 * (plus tokenisation and queueing the server leaves out of its own figure), which is what it is for.
 * Pure: from records only. Compared like with like:
 *  - ttft_ms − server ttft_ms (Triton perf metrics, vLLM per-request metrics);
 *  - ttft_ms − server (queue +) prefill_ms (llama.cpp timings, Ollama, MindIE): the server's prompt processing;
 *  - e2e_ms − server e2e_ms (SGLang e2e_latency, Ollama total_duration, Triton);
 *  - e2e_ms − server (prefill + decode) where the server reports no e2e (llama.cpp).
 */
import { type RequestRecord } from '../core/record.js';

export interface ServerTimingSummary {
  /** Requests (ok, not warmup) that carried server timings. */
  n: number;
  sources: string[];
  server_mean_ms: Record<'ttft' | 'queue' | 'prefill' | 'decode' | 'e2e', number | null>;
  client_minus_server_mean_ms: Record<'ttft' | 'ttft_vs_prefill' | 'e2e' | 'e2e_vs_prefill_decode', number | null>;
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function summarizeServerTimings(records: RequestRecord[]): ServerTimingSummary | null {
  const rs = records.filter((r) => !r.warmup && r.status === 'ok' && r.server_timings);
  if (!rs.length) return null;
  const pick = (f: (r: RequestRecord) => number | null) => rs.map(f).filter((x): x is number => x !== null);
  const st = (r: RequestRecord, k: string) => n(r.server_timings?.[k]);
  const diff = (a: number | null, b: number | null) => (a !== null && b !== null ? a - b : null);
  return {
    n: rs.length,
    sources: [...new Set(rs.map((r) => r.server_timings!.source))],
    server_mean_ms: {
      ttft: mean(pick((r) => st(r, 'ttft_ms'))),
      queue: mean(pick((r) => st(r, 'queue_ms'))),
      prefill: mean(pick((r) => st(r, 'prefill_ms'))),
      decode: mean(pick((r) => st(r, 'decode_ms'))),
      e2e: mean(pick((r) => st(r, 'e2e_ms'))),
    },
    client_minus_server_mean_ms: {
      ttft: mean(pick((r) => diff(r.ttft_ms, st(r, 'ttft_ms')))),
      ttft_vs_prefill: mean(pick((r) => (st(r, 'prefill_ms') === null ? null : diff(r.ttft_ms, (st(r, 'queue_ms') ?? 0) + st(r, 'prefill_ms')!)))),
      e2e: mean(pick((r) => diff(r.e2e_ms, st(r, 'e2e_ms')))),
      e2e_vs_prefill_decode: mean(pick((r) => (st(r, 'e2e_ms') !== null || st(r, 'prefill_ms') === null || st(r, 'decode_ms') === null ? null : diff(r.e2e_ms, st(r, 'prefill_ms')! + st(r, 'decode_ms')!)))),
    },
  };
}
