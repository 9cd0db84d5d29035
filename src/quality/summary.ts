/**
 * What a scenario's results carry about quality: the three summary fields results.json names
 * (`summary.accuracy`, `summary.accuracy_ci95`, `summary.perplexity`), and a detail block with what those
 * numbers rest on (items scored; perplexity window, stride, tokenizer), since neither is comparable without it.
 */
import { type RequestRecord } from '../core/record.js';
import { type ScenarioSummary } from '../core/result.js';
import { accuracySummary, type AccuracySummary } from './accuracy.js';
import { type PerplexityResult } from './perplexity.js';

export type QualitySummaryFields = Required<Pick<ScenarioSummary, 'accuracy' | 'accuracy_ci95' | 'perplexity'>>;

export interface QualityDetail {
  /** null when the scenario had no scored dataset. */
  accuracy: AccuracySummary | null;
  perplexity: PerplexityResult | null;
}

export function qualitySummaryFields(records: ReadonlyArray<Pick<RequestRecord, 'warmup' | 'answer'>>, perplexity: PerplexityResult | null): QualitySummaryFields {
  const a = accuracySummary(records);
  return { accuracy: a.accuracy, accuracy_ci95: a.accuracy_ci95, perplexity: perplexity?.perplexity ?? null };
}

/** For scenarios[].quality in results.json; null when the scenario measured no quality at all. */
export function qualityDetail(records: ReadonlyArray<Pick<RequestRecord, 'warmup' | 'answer'>>, perplexity: PerplexityResult | null): QualityDetail | null {
  const a = accuracySummary(records);
  const accuracy = a.scored > 0 ? a : null;
  return accuracy === null && perplexity === null ? null : { accuracy, perplexity };
}
