/**
 * Quality flags: evaluation datasets (GSM8K, the user's own JSONL) and perplexity over a text file.
 * `createQualityWorkload` turns the parsed values into a Workload; `qualityProblems` lists everything wrong
 * with them so the run command can report it together with its other problems before anything is sent.
 * The output cap is the run command's `--max-tokens` (values.maxTokens), 512 when absent.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, type Problem } from '../../core/errors.js';
import { camelKey, intAtLeast, type OptionDef, OptionValueError } from '../option.js';
import { type Workload } from '../../workloads/workload.js';
import { gsm8kWorkload } from '../../workloads/gsm8k.js';
import { jsonlWorkload, SCORINGS, type Scoring } from '../../workloads/jsonl-dataset.js';
import { type PerplexityRequest } from '../../quality/perplexity.js';

const GROUP = 'Quality';

export const DATASETS = ['gsm8k', 'jsonl'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** max_tokens for dataset requests when --max-tokens is not given: seed 001's GSM8K run capped at 512. */
export const DEFAULT_DATASET_MAX_TOKENS = 512;
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

/** Every problem with the quality flags (empty when fine). `explicit` is ParsedArgs.explicit. */
export function qualityProblems(values: Record<string, unknown>, explicit: ReadonlySet<string>): Problem[] {
  const p: Problem[] = [];
  const dataset = values.dataset as DatasetName | undefined;
  if (dataset && typeof values.datasetPath !== 'string') {
    p.push({ where: '--dataset', message: `--dataset ${dataset} needs --dataset-path FILE (llmbench never downloads datasets)`, hint: dataset === 'gsm8k' ? 'get test.jsonl from github.com/openai/grade-school-math and pass --dataset-path test.jsonl' : 'pass --dataset-path FILE.jsonl' });
  }
  if (!dataset) {
    for (const k of ['datasetPath', 'datasetLimit', 'shots', 'shotsPath', 'promptField', 'answerField', 'scoring'] as const) {
      if (explicit.has(k)) p.push({ where: `--${kebab(k)}`, message: 'only applies with --dataset', hint: 'add --dataset gsm8k or --dataset jsonl' });
    }
  } else if (dataset === 'gsm8k') {
    for (const k of ['promptField', 'answerField', 'scoring'] as const) {
      if (explicit.has(k)) p.push({ where: `--${kebab(k)}`, message: 'only applies with --dataset jsonl (GSM8K uses question/answer and numeric scoring)' });
    }
  }
  if (explicit.has('shotsPath') && !((values.shots as number) > 0)) p.push({ where: '--shots-path', message: 'has no effect without --shots K (K ≥ 1)' });
  if (typeof values.perplexity !== 'string') {
    for (const k of ['perplexityWindow', 'perplexityStride'] as const) {
      if (explicit.has(k)) p.push({ where: `--${kebab(k)}`, message: 'only applies with --perplexity FILE' });
    }
  }
  const w = values.perplexityWindow as number | undefined;
  const s = values.perplexityStride as number | undefined;
  if (w !== undefined && s !== undefined && s > w) p.push({ where: '--perplexity-stride', message: `${s} is larger than --perplexity-window ${w}`, hint: 'a stride of at most the window leaves no token unscored' });
  if (w !== undefined && w < 4) p.push({ where: '--perplexity-window', message: `${w} tokens is too small a window`, hint: 'use at least 4 (typical: 512)' });
  return p;
}

/** Keys set to something other than their QUALITY_OPTIONS default (when the caller has no ParsedArgs.explicit). */
function explicitOf(values: Record<string, unknown>): Set<string> {
  const defaults = new Map(QUALITY_OPTIONS.map((d) => [camelKey(d.name), d.default]));
  return new Set(Object.keys(values).filter((k) => values[k] !== undefined && values[k] !== defaults.get(k)));
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The dataset workload the flags ask for, or null when no --dataset was given.
 * Throws UsageError with every problem (see qualityProblems) when the flags don't fit together.
 */
export function createQualityWorkload(values: Record<string, unknown>, explicit: ReadonlySet<string> = explicitOf(values), cwd: string = process.cwd()): Workload | null {
  const problems = qualityProblems(values, explicit);
  if (problems.length) throw new UsageError(problems);
  const dataset = values.dataset as DatasetName | undefined;
  if (!dataset) return null;
  const common = {
    path: resolve(cwd, values.datasetPath as string),
    limit: (values.datasetLimit as number | undefined) ?? null,
    shots: (values.shots as number | undefined) ?? 0,
    shotsPath: typeof values.shotsPath === 'string' ? resolve(cwd, values.shotsPath) : null,
    maxTokens: (values.maxTokens as number | undefined) ?? DEFAULT_DATASET_MAX_TOKENS,
  };
  if (dataset === 'gsm8k') return gsm8kWorkload(common);
  return jsonlWorkload({
    ...common,
    promptField: (values.promptField as string | undefined) ?? 'question',
    answerField: (values.answerField as string | undefined) ?? 'answer',
    scoring: ((values.scoring as Scoring | undefined) ?? 'exact'),
  });
}

/**
 * How many items a --dataset run will score (after worked examples and --dataset-limit), counted from the
 * file's non-blank lines without parsing them, so the run can size its requests before anything is sent.
 * An unreadable file is reported as a problem here; malformed lines are reported when the workload loads.
 */
export function datasetItemCount(values: Record<string, unknown>, cwd: string, problems: Problem[]): number | null {
  if (!values.dataset || typeof values.datasetPath !== 'string') return null;
  const path = resolve(cwd, values.datasetPath);
  let lines: number;
  try {
    lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
  } catch (e) {
    problems.push({ where: '--dataset-path', message: `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, hint: 'give the path of a local JSONL file; llmbench never downloads datasets' });
    return null;
  }
  const shots = (values.shots as number | undefined) ?? 0;
  const scored = typeof values.shotsPath === 'string' ? lines : lines - shots;
  const limit = values.datasetLimit as number | undefined;
  return Math.max(0, limit !== undefined ? Math.min(limit, scored) : scored);
}

/** The perplexity the flags ask for, or null without --perplexity (the path resolved against `cwd`). */
export function perplexityRequest(values: Record<string, unknown>, cwd: string = process.cwd()): PerplexityRequest | null {
  if (typeof values.perplexity !== 'string') return null;
  return { path: resolve(cwd, values.perplexity), window: (values.perplexityWindow as number | undefined) ?? null, stride: (values.perplexityStride as number | undefined) ?? null };
}
