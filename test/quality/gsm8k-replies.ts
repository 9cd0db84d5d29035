/**
 * Scripted GSM8K answers for the end-to-end tests: each of the real test-set questions is answered right or
 * wrong, in one of many formats models really use, so the expected accuracy is known exactly.
 */
import { readFileSync } from 'node:fs';
import { parseGsm8kGold } from '../../src/workloads/answers/extract.js';

const GSM8K = '../shared/datasets/gsm8k/test.jsonl';
export const rows = readFileSync(GSM8K, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { question: string; answer: string });
export const indexOf = new Map(rows.map((r, i) => [r.question, i]));

const commas = (g: string) => g.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** How a model might write answer v; every one of them must be read as v. */
const FORMATS: Array<(v: string) => string> = [
  (v) => `Let's compute step by step.\nFirst 16 - 3 - 4 = 9.\n#### ${v}`,
  (v) => `Adding everything up, 12 + 30 = 42 items in total, so the answer is ${commas(v)}.`,
  (v) => `We have $3 \\times 4 = 12$.\n\nTherefore:\n$$\\boxed{${v}}$$`,
  (v) => `**Step 1:** count the items (7).\n**Step 2:** multiply.\n\nSo the result is **$${commas(v)}**.`,
  (v) => `<think>Maybe it is 12345? Let me re-check the arithmetic.</think>\nShe ends up with ${v} dollars.`,
  (v) => `Final answer: ${v}.00`,
  (v) => `After 2 weeks and 3 days the total comes to ${commas(v)}!`,
  (v) => `**Answer:** ${v}`,
];

/** Item k is answered wrongly when k % 4 === 3: as value+1, except every 8th, which gives no number at all. */
export const isWrong = (k: number) => k % 4 === 3;
export function reply(k: number): { text: string; expected: string | null; gold: string } {
  const gold = parseGsm8kGold(rows[k]!.answer)!;
  if (!isWrong(k)) return { text: FORMATS[k % FORMATS.length]!(gold), expected: gold, gold };
  if (k % 8 === 7) return { text: 'I am not able to solve this problem.', expected: null, gold };
  const wrong = String(Number(gold) + 1);
  return { text: `At first I got ${gold}, but rechecking:\n${FORMATS[(k + 1) % FORMATS.length]!(wrong)}`, expected: wrong, gold };
}

