/**
 * Quality values as table cells (pure; tables and reports print them). A value that was not measured is
 * 'n/a', never 0.
 */
import { type AccuracySummary } from './accuracy.js';
import { type PerplexityResult } from './perplexity.js';

/** "0.750 [0.551, 0.880] (18/24)" */
export function formatAccuracy(s: AccuracySummary, digits = 3): string {
  if (s.accuracy === null) return 'n/a';
  const ci = s.accuracy_ci95 ? ` [${s.accuracy_ci95[0].toFixed(digits)}, ${s.accuracy_ci95[1].toFixed(digits)}]` : '';
  return `${s.accuracy.toFixed(digits)}${ci} (${s.correct}/${s.scored})`;
}

/** "4.4132 ± 0.2839 (w 128, s 128, 819 tok)": window and stride always shown, since they change the value. */
export function formatPerplexity(p: PerplexityResult | null): string {
  if (!p) return 'n/a';
  const err = p.perplexity_error === null ? '' : ` ± ${p.perplexity_error.toFixed(4)}`;
  return `${p.perplexity.toFixed(4)}${err} (w ${p.window}, s ${p.stride}, ${p.tokens_scored} tok)`;
}
