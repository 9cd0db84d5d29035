/**
 * Quality in a run: perplexity measured once per opened target (before its scenarios, so the load never
 * competes with it), and each scenario's accuracy and perplexity written into its summary and `quality` block.
 */
import { type RequestRecord } from '../core/record.js';
import { type ScenarioResult } from '../core/result.js';
import { type Target } from '../targets/target.js';
import { perplexityOfFile, type PerplexityRequest, type PerplexityResult } from './perplexity.js';
import { scorerForTarget, type ScorerForTargetOptions } from './scorer-for-target.js';
import { formatPerplexity } from './format.js';
import { qualityDetail, qualitySummaryFields } from './summary.js';

/**
 * Perplexity of the --perplexity file on `target`. Targets that can't score prompts are refused (UsageError)
 * before the first scoring request.
 */
export async function measurePerplexity(target: Target, req: PerplexityRequest, o: ScorerForTargetOptions & { signal?: AbortSignal; log?: (line: string) => void } = {}): Promise<PerplexityResult> {
  const scorer = scorerForTarget(target, o);
  o.log?.(`perplexity: ${req.path} with ${scorer.description}`);
  const r = await perplexityOfFile(scorer, req.path, { window: req.window, stride: req.stride, signal: o.signal });
  o.log?.(`perplexity: ${formatPerplexity(r)}, tokenizer ${r.tokenizer}`);
  return r;
}

/** Writes summary.accuracy / accuracy_ci95 / perplexity and, when anything was measured, scenario.quality. */
export function addQuality(scenario: ScenarioResult, records: readonly RequestRecord[], perplexity: PerplexityResult | null): void {
  Object.assign(scenario.summary, qualitySummaryFields(records, perplexity));
  const detail = qualityDetail(records, perplexity);
  if (detail) scenario.quality = detail;
}

/**
 * After results.json is rebuilt from requests.jsonl (src/runner/rebuild.ts): accuracy is derived again from the
 * records' answers; perplexity, which no request carries, is kept from the scenario as last saved.
 */
export function restoreQuality(scenario: ScenarioResult, records: readonly RequestRecord[], saved: ScenarioResult | undefined): void {
  const perplexity = ((saved?.quality as { perplexity?: PerplexityResult | null } | undefined)?.perplexity) ?? null;
  if (perplexity || records.some((r) => r.answer)) addQuality(scenario, records, perplexity);
}
