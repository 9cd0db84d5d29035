/**
 * Per-turn metrics of a conversation scenario (`scenarios[].by_turn[]`, docs/metrics.md): the measured records
 * grouped by their `turn`. TTFT by turn shows whether the server reuses the history's KV cache: with reuse,
 * turn k's prefill covers only the new tokens, so TTFT grows far slower than input_tokens does.
 */
import { type RequestRecord } from '../core/record.js';
import { type Distribution } from '../core/result.js';
import { distribution } from './stats.js';

export interface TurnStats {
  /** 1-based turn. */
  turn: number;
  requests_total: number;
  requests_ok: number;
  ttft_ms: Distribution;
  tpot_ms: Distribution;
  e2e_ms: Distribution;
  input_tokens: Distribution;
  output_tokens: Distribution;
  /** Prompt tokens the server reported served from its cache; n counts the requests with a report. */
  cached_tokens: Distribution;
  /** Σ cached_tokens / Σ input_tokens over the ok requests reporting both; null when none does. */
  cached_fraction: number | null;
}

/** One entry per turn present (ascending); [] when no record carries a turn. */
export function byTurn(all: readonly RequestRecord[], percentiles: readonly number[] = []): TurnStats[] {
  const groups = new Map<number, RequestRecord[]>();
  for (const r of all) {
    if (r.warmup || typeof r.turn !== 'number') continue;
    const g = groups.get(r.turn);
    if (g) g.push(r);
    else groups.set(r.turn, [r]);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((turn) => {
      const rs = groups.get(turn)!;
      const ok = rs.filter((r) => r.status === 'ok');
      const d = (f: (r: RequestRecord) => number | null | undefined) => distribution(ok.map(f), percentiles);
      let cached = 0;
      let input = 0;
      let both = 0;
      for (const r of ok) {
        if (r.cached_tokens !== null && r.cached_tokens !== undefined && r.input_tokens !== null) {
          cached += r.cached_tokens;
          input += r.input_tokens;
          both++;
        }
      }
      return {
        turn,
        requests_total: rs.length,
        requests_ok: ok.length,
        ttft_ms: d((r) => r.ttft_ms),
        tpot_ms: d((r) => r.tpot_ms),
        e2e_ms: d((r) => r.e2e_ms),
        input_tokens: d((r) => r.input_tokens),
        output_tokens: d((r) => r.output_tokens),
        cached_tokens: d((r) => r.cached_tokens),
        cached_fraction: both && input > 0 ? cached / input : null,
      };
    });
}
