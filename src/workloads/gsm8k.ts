/**
 * GSM8K (Cobbe et al. 2021, github.com/openai/grade-school-math): grade-school math word problems, JSONL with
 * `question` and `answer`, the answer's last line being `#### N`. The test split has 1319 items.
 * Scoring is numeric: the model's final number (src/workloads/answers/extract.ts) against N.
 */
import { UsageError, type Problem } from '../core/errors.js';
import { parseGsm8kGold, scoreNumber } from './answers/extract.js';
import { readJsonl, textField } from './jsonl.js';
import { type PromptTemplate } from './prompt-template.js';
import { QaDatasetWorkload, type QaItem } from './qa-dataset.js';

/**
 * Chat: an instruction that asks for the `#### N` line GSM8K's own solutions end with, so extraction rule 1
 * usually applies. Completion: lm-eval-harness's plain "Question: … Answer:" format.
 */
export const GSM8K_TEMPLATE: PromptTemplate = {
  name: 'gsm8k',
  user: 'Solve the following math problem step by step. End your reply with the final answer on its own line, written as "#### <number>".\n\nQuestion: {question}',
  assistant: '{answer}',
  completion: 'Question: {question}\nAnswer:',
  completion_shot: 'Question: {question}\nAnswer: {answer}\n\n',
  completion_cut: '\nQuestion:',
};

/** `<<16-3-4=9>>` calculator annotations in GSM8K solutions: training markup no model writes; removed from shots. */
export function stripCalculatorAnnotations(answer: string): string {
  return answer.replace(/<<[^<>]*>>/g, '');
}

export async function loadGsm8k(path: string, flag: string): Promise<QaItem[]> {
  const rows = await readJsonl(path, flag);
  const hint = 'GSM8K lines are {"question": ..., "answer": "... #### N"}; for other field names use --dataset jsonl --prompt-field/--answer-field';
  const questions = textField(rows, 'question', path, flag, hint);
  const answers = textField(rows, 'answer', path, flag, hint);
  const problems: Problem[] = [];
  const items: QaItem[] = [];
  rows.forEach((r, i) => {
    const gold = parseGsm8kGold(answers[i]!);
    if (gold === null && problems.length < 5) {
      problems.push({ where: flag, message: `${path} line ${r.line}: field "answer" has no final "#### <number>" line`, hint: 'GSM8K answers end in "#### N"; for other answer formats use --dataset jsonl --scoring number' });
    }
    items.push({ line: r.line, question: questions[i]!, answer: stripCalculatorAnnotations(answers[i]!), gold });
  });
  if (problems.length) throw new UsageError(problems);
  return items;
}

export interface Gsm8kOptions {
  path: string;
  limit: number | null;
  shots: number;
  shotsPath: string | null;
  maxTokens: number;
}

export function gsm8kWorkload(o: Gsm8kOptions): QaDatasetWorkload {
  return new QaDatasetWorkload({
    dataset: 'gsm8k',
    path: o.path,
    limit: o.limit,
    shots: o.shots,
    shotsPath: o.shotsPath,
    maxTokens: o.maxTokens,
    template: GSM8K_TEMPLATE,
    scoring: 'number',
    load: loadGsm8k,
    score: scoreNumber,
    extra: { extraction: 'first of: #### N, \\boxed{N}, "the answer is N", **N**, last number (docs/quality.md)' },
  });
}
