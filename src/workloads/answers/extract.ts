/**
 * Answer extraction: from what a model really writes to one canonical number (or one answer string).
 *
 * The rules are tried in order and the first that finds something wins (docs/quality.md lists them with
 * examples). Within a rule the LAST occurrence counts, because models restate the question's numbers first
 * and conclude at the end.
 *
 *   1. `#### N`                       the GSM8K training format (few-shot prompts teach it)
 *   2. `\boxed{N}`                    LaTeX habit of math-tuned models (Qwen, DeepSeek, ...)
 *   3. "the answer is N", "Final answer: N", "Answer: $N"   (markdown/LaTeX wrappers allowed between)
 *   4. a bolded number `**N**`, `**$18**`, `**18 dollars**`
 *   5. the last number anywhere       the fallback lm-eval-harness's "flexible-extract" also uses
 *
 * Reasoning models may leave their thinking in the text: everything up to the last `</think>` is dropped
 * first, so numbers inside the thoughts cannot be taken for the answer.
 */
import { NUMBER_SOURCE, canonicalNumber, lastNumber, numbersEqual } from './numbers.js';

export type ExtractionRule = 'hash' | 'boxed' | 'answer_is' | 'bold' | 'last_number';

export interface Extraction {
  /** Canonical number ("1234.5"), or null when the text holds no number. */
  value: string | null;
  /** Which rule found it. */
  rule: ExtractionRule | null;
}

/** Markup a model may put between "the answer is" and the number: spaces, `:`, `**`, `$`, `\(`, `=`. */
const FILLER = String.raw`[\s:*=_\\(\[{]*(?:\\text\{[^}]*\}|\\\$)?[\s:*=_\\(\[{]*`;

// Global regexes below are only used through matchAll (in lastMatch), which iterates a copy: no shared lastIndex.
const HASH_NUMBER = new RegExp(String.raw`####\s*(` + NUMBER_SOURCE + ')', 'g');
const ANSWER_IS_NUMBER = new RegExp(String.raw`(?:final\s+answer|the\s+answer|answer)\s*(?:is|was|would\s+be|will\s+be|=|:)?` + FILLER + '(' + NUMBER_SOURCE + ')', 'gi');
const HASH_TEXT = /####\s*([^\n]+)/g;
const ANSWER_IS_TEXT = /(?:final\s+answer|the\s+answer)\s*(?:is|:)\s*([^\n]+)/gi;

/** Text after the last `</think>` (reasoning left in the content), else the whole text. */
export function stripThinking(text: string): string {
  const i = text.lastIndexOf('</think>');
  return i >= 0 ? text.slice(i + '</think>'.length) : text;
}

function lastMatch(text: string, re: RegExp): string | null {
  let found: string | null = null;
  for (const m of text.matchAll(re)) found = m[1] ?? null;
  return found;
}

/** Contents of every `\boxed{...}`, braces balanced (`\boxed{\frac{1}{2}}` keeps its inner braces). */
export function boxedContents(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('\\boxed{', from);
    if (start < 0) return out;
    let depth = 1;
    let i = start + '\\boxed{'.length;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    if (depth !== 0) return out; // unclosed: the output was cut off by max_tokens
    out.push(text.slice(start + '\\boxed{'.length, i - 1));
    from = i;
  }
}

/**
 * A bold span that is an answer, not a heading: a number with at most a currency sign before it and a short
 * unit word after it (`**18**`, `**$18.00**`, `**18 dollars**`, `**75%**`). `**Step 2:**` is not.
 */
const BOLD_ANSWER = new RegExp(String.raw`\*\*\s*(` + NUMBER_SOURCE + String.raw`)\s*(?:%|[A-Za-z]{1,12}(?:\s[A-Za-z]{1,12})?)?\s*[.!]?\s*\*\*`, 'g');

/** Extracts the model's final numeric answer (see the rule list at the top of this file). */
export function extractNumber(output: string): Extraction {
  const text = stripThinking(output);
  const hash = lastMatch(text, HASH_NUMBER);
  if (hash !== null) return { value: canonicalNumber(hash), rule: 'hash' };
  const boxed = boxedContents(text);
  for (let i = boxed.length - 1; i >= 0; i--) {
    const v = lastNumber(boxed[i]!);
    if (v !== null) return { value: v, rule: 'boxed' };
  }
  const said = lastMatch(text, ANSWER_IS_NUMBER);
  if (said !== null) return { value: canonicalNumber(said), rule: 'answer_is' };
  const bold = lastMatch(text, BOLD_ANSWER);
  if (bold !== null) return { value: canonicalNumber(bold), rule: 'bold' };
  const last = lastNumber(text);
  return last !== null ? { value: last, rule: 'last_number' } : { value: null, rule: null };
}

/** The gold answer of a GSM8K item: the number after the last `####` ("... #### 1,234" → "1234"). */
export function parseGsm8kGold(answer: string): string | null {
  const m = lastMatch(answer, HASH_NUMBER);
  return m === null ? null : canonicalNumber(m);
}

/** Gold for `--scoring number` on a generic dataset: after `####` when present, else the last number. */
export function parseNumericGold(answer: string): string | null {
  return parseGsm8kGold(answer) ?? lastNumber(answer);
}

export interface Score {
  extracted: string | null;
  gold: string | null;
  /** null when there is no gold to compare with (the item can't be scored). */
  correct: boolean | null;
}

export function scoreNumber(output: string, gold: string | null): Score {
  const { value } = extractNumber(output);
  return { extracted: value, gold, correct: gold === null ? null : numbersEqual(value, gold) };
}

/**
 * `--scoring exact`: the answer string after the same markers (`####`, `\boxed{}`, "the answer is"), else the
 * whole output; compared after trimming whitespace and a trailing period, case-sensitively.
 */
export function extractText(output: string): string {
  const text = stripThinking(output).trim();
  const hash = lastMatch(text, HASH_TEXT);
  const boxed = boxedContents(text);
  const said = lastMatch(text, ANSWER_IS_TEXT);
  const pick = hash ?? (boxed.length ? boxed[boxed.length - 1]! : null) ?? said ?? text;
  return pick.trim().replace(/^\*\*\s*|\s*\*\*$/g, '').replace(/\.$/, '').trim();
}

export function scoreExact(output: string, gold: string | null): Score {
  const extracted = extractText(output);
  const g = gold === null ? null : gold.trim();
  return { extracted, gold: g, correct: g === null ? null : extracted === g };
}
