/**
 * The quality part of a RunConfig (docs/quality.md): which evaluation dataset replaces the prompt workload, and
 * the perplexity measured beside it. Problems name the `llmbench run` flags of the same meaning.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, type Problem } from '../core/errors.js';
import { type Workload } from '../workloads/workload.js';
import { gsm8kWorkload } from '../workloads/gsm8k.js';
import { jsonlWorkload } from '../workloads/jsonl-dataset.js';
import { type PerplexityRequest } from '../quality/perplexity.js';
import { type QualityConfig } from './config.js';

/** max_tokens for dataset requests when none is given: seed 001's GSM8K run capped at 512. */
export const DEFAULT_DATASET_MAX_TOKENS = 512;

const set = (v: unknown) => v !== undefined && v !== null;

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Every problem with the quality settings (empty when fine). A key counts as given when it is present. */
export function qualityConfigProblems(q: QualityConfig): Problem[] {
  const p: Problem[] = [];
  const dataset = q.dataset ?? null;
  if (dataset && typeof q.datasetPath !== 'string') {
    p.push({ where: '--dataset', message: `--dataset ${dataset} needs --dataset-path FILE (llmbench never downloads datasets)`, hint: dataset === 'gsm8k' ? 'get test.jsonl from github.com/openai/grade-school-math and pass --dataset-path test.jsonl' : 'pass --dataset-path FILE.jsonl' });
  }
  if (!dataset) {
    for (const k of ['datasetPath', 'datasetLimit', 'shots', 'shotsPath', 'promptField', 'answerField', 'scoring'] as const) {
      if (set(q[k])) p.push({ where: `--${kebab(k)}`, message: 'only applies with --dataset', hint: 'add --dataset gsm8k or --dataset jsonl' });
    }
  } else if (dataset === 'gsm8k') {
    for (const k of ['promptField', 'answerField', 'scoring'] as const) {
      if (set(q[k])) p.push({ where: `--${kebab(k)}`, message: 'only applies with --dataset jsonl (GSM8K uses question/answer and numeric scoring)' });
    }
  }
  if (set(q.shotsPath) && !((q.shots ?? 0) > 0)) p.push({ where: '--shots-path', message: 'has no effect without --shots K (K ≥ 1)' });
  if (typeof q.perplexity !== 'string') {
    for (const k of ['perplexityWindow', 'perplexityStride'] as const) {
      if (set(q[k])) p.push({ where: `--${kebab(k)}`, message: 'only applies with --perplexity FILE' });
    }
  }
  const w = q.perplexityWindow ?? undefined;
  const s = q.perplexityStride ?? undefined;
  if (w !== undefined && s !== undefined && s > w) p.push({ where: '--perplexity-stride', message: `${s} is larger than --perplexity-window ${w}`, hint: 'a stride of at most the window leaves no token unscored' });
  if (w !== undefined && w < 4) p.push({ where: '--perplexity-window', message: `${w} tokens is too small a window`, hint: 'use at least 4 (typical: 512)' });
  return p;
}

/** The dataset workload asked for, or null without a dataset. Throws UsageError listing every problem. */
export function datasetWorkload(q: QualityConfig, maxTokens: number | null, cwd: string): Workload | null {
  const problems = qualityConfigProblems(q);
  if (problems.length) throw new UsageError(problems);
  if (!q.dataset) return null;
  const common = {
    path: resolve(cwd, q.datasetPath!),
    limit: q.datasetLimit ?? null,
    shots: q.shots ?? 0,
    shotsPath: typeof q.shotsPath === 'string' ? resolve(cwd, q.shotsPath) : null,
    maxTokens: maxTokens ?? DEFAULT_DATASET_MAX_TOKENS,
  };
  if (q.dataset === 'gsm8k') return gsm8kWorkload(common);
  return jsonlWorkload({ ...common, promptField: q.promptField ?? 'question', answerField: q.answerField ?? 'answer', scoring: q.scoring ?? 'exact' });
}

/**
 * How many items a dataset run will score (after worked examples and the limit), counted from the file's
 * non-blank lines without parsing them, so requests can be sized before anything is sent. An unreadable file is
 * a problem here; malformed lines are reported when the workload loads.
 */
export function datasetItems(q: QualityConfig, cwd: string, problems: Problem[]): number | null {
  if (!q.dataset || typeof q.datasetPath !== 'string') return null;
  const path = resolve(cwd, q.datasetPath);
  let lines: number;
  try {
    lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
  } catch (e) {
    problems.push({ where: '--dataset-path', message: `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, hint: 'give the path of a local JSONL file; llmbench never downloads datasets' });
    return null;
  }
  const shots = q.shots ?? 0;
  const scored = typeof q.shotsPath === 'string' ? lines : lines - shots;
  const limit = q.datasetLimit ?? undefined;
  return Math.max(0, limit !== undefined ? Math.min(limit, scored) : scored);
}

/** The perplexity asked for, or null (the path resolved against `cwd`). */
export function perplexityOf(q: QualityConfig, cwd: string): PerplexityRequest | null {
  if (typeof q.perplexity !== 'string') return null;
  return { path: resolve(cwd, q.perplexity), window: q.perplexityWindow ?? null, stride: q.perplexityStride ?? null };
}
