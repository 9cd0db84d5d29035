/**
 * Quality flags: evaluation datasets (GSM8K, the user's own JSONL) and perplexity over a text file.
 * The work is done on a RunConfig's `quality` (src/runner/quality-config.ts); the functions here take parsed
 * flag values, for callers that have them. The output cap is the run command's `--max-tokens`, 512 when absent.
 */
import { type Problem } from '../../core/errors.js';
import { camelKey, intAtLeast, type OptionDef } from '../option.js';
import { type Workload } from '../../workloads/workload.js';
import { SCORINGS } from '../../workloads/jsonl-dataset.js';
import { type PerplexityRequest } from '../../quality/perplexity.js';
import { type QualityConfig } from '../../runner/config.js';
import { datasetItems, datasetWorkload, DEFAULT_DATASET_MAX_TOKENS, perplexityOf, qualityConfigProblems } from '../../runner/quality-config.js';

const GROUP = 'Quality';

export const DATASETS = ['gsm8k', 'jsonl'] as const;
export type DatasetName = (typeof DATASETS)[number];

export { DEFAULT_DATASET_MAX_TOKENS };
/** Perplexity window when none is given (llama-perplexity's customary -c 512), capped at the model's context. */
export const DEFAULT_PERPLEXITY_WINDOW = 512;

const positiveInt = intAtLeast(1);
const nonNegativeInt = intAtLeast(0);

export const QUALITY_OPTIONS: readonly OptionDef[] = [
  { name: 'dataset', kind: 'string', choices: DATASETS, placeholder: 'gsm8k|jsonl', group: GROUP, description: 'Send the items of an evaluation set and score the answers (accuracy with a 95% Wilson interval). Needs --dataset-path; nothing is downloaded.' },
  { name: 'dataset-path', kind: 'string', placeholder: 'FILE', group: GROUP, description: 'Local JSONL file of the dataset (GSM8K: {"question", "answer": "... #### N"} per line).' },
  { name: 'dataset-limit', kind: 'int', placeholder: 'N', parse: positiveInt, group: GROUP, description: 'Use only the first N items (after worked examples are taken out).' },
  { name: 'shots', kind: 'int', placeholder: 'K', default: 0, parse: nonNegativeInt, group: GROUP, description: 'Worked examples before each question (0 = zero-shot). Taken from --shots-path, else the first K items of the dataset, which are then not scored.' },
  { name: 'shots-path', kind: 'string', placeholder: 'FILE', group: GROUP, description: 'JSONL file (same format as the dataset) the --shots worked examples are taken from.' },
  { name: 'prompt-field', kind: 'string', placeholder: 'NAME', default: 'question', group: GROUP, description: 'With --dataset jsonl: the field holding the prompt (dotted paths such as input.text work).' },
  { name: 'answer-field', kind: 'string', placeholder: 'NAME', default: 'answer', group: GROUP, description: 'With --dataset jsonl: the field holding the gold answer.' },
  { name: 'scoring', kind: 'string', choices: SCORINGS, placeholder: 'exact|number', default: 'exact', group: GROUP, description: 'With --dataset jsonl: exact (trimmed string equality) or number (final number of the output, as for GSM8K).' },
  { name: 'perplexity', kind: 'string', placeholder: 'FILE', group: GROUP, description: 'Also compute perplexity over this text file (embedded engine, or servers that return prompt log-probabilities).' },
  { name: 'perplexity-window', kind: 'int', placeholder: 'N', parse: positiveInt, defaultText: `${DEFAULT_PERPLEXITY_WINDOW}, or the context size if smaller`, group: GROUP, description: 'Tokens per perplexity window (the context each prediction may see).' },
  { name: 'perplexity-stride', kind: 'int', placeholder: 'N', parse: positiveInt, defaultText: 'the window', group: GROUP, description: 'Tokens between window starts. Equal to the window: non-overlapping windows scored on their second half (llama-perplexity default). Smaller: each window scores its last N tokens (llama-perplexity --ppl-stride).' },
];

/** The quality keys of parsed `values` that were given (explicit), as a RunConfig's `quality`. */
export function qualityConfigOf(values: Record<string, unknown>, explicit: ReadonlySet<string>): QualityConfig {
  const q: Record<string, unknown> = {};
  for (const d of QUALITY_OPTIONS) {
    const k = camelKey(d.name);
    if (explicit.has(k) && values[k] !== undefined) q[k] = values[k];
  }
  return q as QualityConfig;
}

/** Every problem with the quality flags (empty when fine). `explicit` is ParsedArgs.explicit. */
export function qualityProblems(values: Record<string, unknown>, explicit: ReadonlySet<string>): Problem[] {
  return qualityConfigProblems(qualityConfigOf(values, explicit));
}

/** Keys set to something other than their QUALITY_OPTIONS default (when the caller has no ParsedArgs.explicit). */
function explicitOf(values: Record<string, unknown>): Set<string> {
  const defaults = new Map(QUALITY_OPTIONS.map((d) => [camelKey(d.name), d.default]));
  return new Set(Object.keys(values).filter((k) => values[k] !== undefined && values[k] !== defaults.get(k)));
}

/**
 * The dataset workload the flags ask for, or null when no --dataset was given.
 * Throws UsageError with every problem (see qualityProblems) when the flags don't fit together.
 */
export function createQualityWorkload(values: Record<string, unknown>, explicit: ReadonlySet<string> = explicitOf(values), cwd: string = process.cwd()): Workload | null {
  return datasetWorkload(qualityConfigOf(values, explicit), (values.maxTokens as number | undefined) ?? null, cwd);
}

/** How many items a --dataset run will score (src/runner/quality-config.ts datasetItems). */
export function datasetItemCount(values: Record<string, unknown>, cwd: string, problems: Problem[]): number | null {
  return datasetItems(qualityConfigOf(values, new Set(Object.keys(values))), cwd, problems);
}

/** The perplexity the flags ask for, or null without --perplexity (the path resolved against `cwd`). */
export function perplexityRequest(values: Record<string, unknown>, cwd: string = process.cwd()): PerplexityRequest | null {
  return perplexityOf(qualityConfigOf(values, new Set(Object.keys(values))), cwd);
}
