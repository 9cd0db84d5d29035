/**
 * A user's own evaluation set: any JSONL file, with the prompt and answer fields named by flags
 * (`--prompt-field`, `--answer-field`, dotted paths allowed) and `--scoring exact|number`.
 * The prompt is sent as written (no instruction is added), so the file decides what the model is asked.
 */
import { UsageError, type Problem } from '../core/errors.js';
import { parseNumericGold, scoreExact, scoreNumber } from './answers/extract.js';
import { readJsonl, textField } from './jsonl.js';
import { type PromptTemplate } from './prompt-template.js';
import { QaDatasetWorkload, type QaItem } from './qa-dataset.js';

export type Scoring = 'exact' | 'number';
export const SCORINGS: readonly Scoring[] = ['exact', 'number'];

export const JSONL_TEMPLATE: PromptTemplate = {
  name: 'jsonl',
  user: '{question}',
  assistant: '{answer}',
  completion: '{question}',
  completion_shot: '{question}\n{answer}\n\n',
  completion_cut: null,
};

export interface JsonlDatasetOptions {
  path: string;
  promptField: string;
  answerField: string;
  scoring: Scoring;
  limit: number | null;
  shots: number;
  shotsPath: string | null;
  maxTokens: number;
}

export function jsonlLoader(o: Pick<JsonlDatasetOptions, 'promptField' | 'answerField' | 'scoring'>) {
  return async (path: string, flag: string): Promise<QaItem[]> => {
    const rows = await readJsonl(path, flag);
    const prompts = textField(rows, o.promptField, path, flag, `name the prompt field with --prompt-field (now "${o.promptField}")`);
    const answers = textField(rows, o.answerField, path, flag, `name the answer field with --answer-field (now "${o.answerField}")`);
    const problems: Problem[] = [];
    const items = rows.map((r, i): QaItem => {
      const answer = answers[i]!;
      const gold = o.scoring === 'number' ? parseNumericGold(answer) : answer.trim();
      if (gold === null && problems.length < 5) {
        problems.push({ where: flag, message: `${path} line ${r.line}: field "${o.answerField}" holds no number to score against ("${answer.slice(0, 40)}")`, hint: 'use --scoring exact for text answers' });
      }
      return { line: r.line, question: prompts[i]!, answer, gold };
    });
    if (problems.length) throw new UsageError(problems);
    return items;
  };
}

export function jsonlWorkload(o: JsonlDatasetOptions): QaDatasetWorkload {
  return new QaDatasetWorkload({
    dataset: 'jsonl',
    path: o.path,
    limit: o.limit,
    shots: o.shots,
    shotsPath: o.shotsPath,
    maxTokens: o.maxTokens,
    template: JSONL_TEMPLATE,
    scoring: o.scoring,
    load: jsonlLoader(o),
    score: o.scoring === 'number' ? scoreNumber : scoreExact,
    extra: { prompt_field: o.promptField, answer_field: o.answerField },
  });
}
