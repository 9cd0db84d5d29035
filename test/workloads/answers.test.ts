import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalNumber, allNumbers, numbersEqual } from '../../src/workloads/answers/numbers.js';
import { extractNumber, parseGsm8kGold, parseNumericGold, scoreNumber, extractText, scoreExact, boxedContents } from '../../src/workloads/answers/extract.js';

test('canonicalNumber normalises how numbers are written', () => {
  const cases: Array<[string, string | null]> = [
    ['18', '18'],
    ['18.00', '18'],
    ['3.50', '3.5'],
    ['0.50', '0.5'],
    ['.5', '0.5'],
    ['007', '7'],
    ['1,234', '1234'],
    ['1,450,000', '1450000'],
    ['$1,234.50', '1234.5'],
    ['-3', '-3'],
    ['\u22123', '-3'],
    ['-$5', '-5'],
    ['$-5', '-5'],
    ['-0.0', '0'],
    ['18%', '18'],
    ['€ 20', '20'],
    ['12345678901234567890', '12345678901234567890'],
    ['no digits', null],
  ];
  for (const [raw, want] of cases) assert.equal(canonicalNumber(raw), want, raw);
});

test('allNumbers reads subtractions, lists and words-with-digits correctly', () => {
  assert.deepEqual(allNumbers('16 - 3 - 4 = 9'), ['16', '3', '4', '9']);
  assert.deepEqual(allNumbers('16-3-4=9'), ['16', '3', '4', '9']);
  assert.deepEqual(allNumbers('x = -5, y = 1,2,3'), ['-5', '1', '2', '3']);
  assert.deepEqual(allNumbers('H2O costs $3.50.'), ['3.5']);
  assert.deepEqual(allNumbers('It is 18.'), ['18']);
  assert.deepEqual(allNumbers('from 5,000 to 6,250 people'), ['5000', '6250']);
});

test('numbersEqual compares values, not spellings', () => {
  assert.equal(numbersEqual('18.00', '18'), true);
  assert.equal(numbersEqual('1,234', '1234'), true);
  assert.equal(numbersEqual('3.5', '3.50'), true);
  assert.equal(numbersEqual('-3', '3'), false);
  assert.equal(numbersEqual('18', '180'), false);
  assert.equal(numbersEqual(null, '18'), false);
});

// Realistic model outputs: [output, expected extracted value, rule that found it].
const OUTPUTS: Array<[string, string | null, string | null]> = [
  // GSM8K few-shot format
  ['Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18', '18', 'hash'],
  ['Natalia sold 48/2 = 24 clips in May.\n#### 72\n\nQuestion: Weng earns $12 an hour', '72', 'hash'],
  ['#### 1,234', '1234', 'hash'],
  ['The total is 5 + 5 = 10.\n#### -10', '-10', 'hash'],
  // LaTeX boxed
  ['So she makes $9 \\times 2 = 18$ dollars.\n\n\\[\n\\boxed{18}\n\\]', '18', 'boxed'],
  ['The final answer is $\\boxed{\\$18.00}$.', '18', 'boxed'],
  ['Therefore the answer is \\boxed{18 \\text{ dollars}}.', '18', 'boxed'],
  ['First guess \\boxed{20}, but correcting: \\boxed{1,450,000}', '1450000', 'boxed'],
  // "the answer is"
  ['She has 16 eggs, eats 3 and bakes 4, leaving 9. 9 eggs at $2 each is $18.\nThe answer is 18.', '18', 'answer_is'],
  ['The answer is: $18', '18', 'answer_is'],
  ['**Final Answer:** 18', '18', 'answer_is'],
  ['Final answer: **$3.50**', '3.5', 'answer_is'],
  ['Answer: 72 clips', '72', 'answer_is'],
  ['So the answer is 5. Wait, 16 - 3 - 4 = 9, and 9 * 2 = 18. The answer is 18 dollars.', '18', 'answer_is'],
  ['The final answer is \\(-3\\).', '-3', 'answer_is'],
  // bold
  ['Step 1: 16 - 3 - 4 = 9 eggs.\nStep 2: 9 × $2 = $18.\n\nJanet makes **$18** every day.', '18', 'bold'],
  ['**Step 2:** multiply 9 by 2 to get **18 dollars**.', '18', 'bold'],
  ['She earns **18.00** per day, which is 30% more than 13.85.', '18', 'bold'],
  // last number fallback
  ['She makes 9 * 2 = $18 every day at the market.', '18', 'last_number'],
  ['Total: 5,600 + 400 = 6,000', '6000', 'last_number'],
  ['It takes 2 + 1 = 3 bolts', '3', 'last_number'],
  ['The temperature dropped to -10.', '-10', 'last_number'],
  // reasoning left in the text: thoughts are ignored
  ['<think>Maybe 20? no, 16-3-4 = 9, times 2 is 18. The answer is 20? no.</think>Janet makes $18 per day.', '18', 'last_number'],
  // nothing numeric
  ['I cannot answer that question.', null, null],
  ['', null, null],
];

test('extractNumber handles what models really write', () => {
  for (const [output, value, rule] of OUTPUTS) {
    assert.deepEqual(extractNumber(output), { value, rule }, JSON.stringify(output));
  }
});

test('a cut-off \\boxed{ is ignored and the other rules still apply', () => {
  assert.deepEqual(boxedContents('\\boxed{\\frac{1}{2}} and \\boxed{7'), ['\\frac{1}{2}']);
  assert.deepEqual(extractNumber('The answer is 12, so \\boxed{1'), { value: '12', rule: 'answer_is' });
});

test('gold answers are parsed from #### N', () => {
  assert.equal(parseGsm8kGold('Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\n#### 18'), '18');
  assert.equal(parseGsm8kGold('... #### 1,450,000'), '1450000');
  assert.equal(parseGsm8kGold('... #### -3'), '-3');
  assert.equal(parseGsm8kGold('no marker 42'), null);
  assert.equal(parseNumericGold('no marker 42'), '42');
  assert.equal(parseNumericGold('3.50'), '3.5');
});

test('scoreNumber marks right and wrong answers', () => {
  assert.deepEqual(scoreNumber('The answer is 18.00.', '18'), { extracted: '18', gold: '18', correct: true });
  assert.deepEqual(scoreNumber('#### 1,234', '1234'), { extracted: '1234', gold: '1234', correct: true });
  assert.deepEqual(scoreNumber('The answer is 20.', '18'), { extracted: '20', gold: '18', correct: false });
  assert.deepEqual(scoreNumber('I do not know.', '18'), { extracted: null, gold: '18', correct: false });
  assert.deepEqual(scoreNumber('The answer is 18.', null), { extracted: '18', gold: null, correct: null });
});

test('exact scoring takes the marked answer, else the whole trimmed output', () => {
  assert.equal(extractText('  Paris.  '), 'Paris');
  assert.equal(extractText('Let me think.\nThe answer is Paris.'), 'Paris');
  assert.equal(extractText('reasoning...\n#### B'), 'B');
  assert.equal(extractText('so \\boxed{B}'), 'B');
  assert.equal(extractText('**Paris**'), 'Paris');
  assert.deepEqual(scoreExact('The answer is Paris.', 'Paris'), { extracted: 'Paris', gold: 'Paris', correct: true });
  assert.deepEqual(scoreExact('The answer is paris.', 'Paris'), { extracted: 'paris', gold: 'Paris', correct: false });
});
