import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gsm8kWorkload, loadGsm8k, GSM8K_TEMPLATE } from '../../src/workloads/gsm8k.js';
import { jsonlWorkload } from '../../src/workloads/jsonl-dataset.js';
import { UsageError } from '../../src/core/errors.js';
import { type WorkloadContext } from '../../src/workloads/workload.js';

const GSM8K = '../shared/datasets/gsm8k/test.jsonl';
const ctx = (api: 'chat' | 'completions'): WorkloadContext => ({ api, tokenizer: null, seed: 1, signal: new AbortController().signal });
const lines = readFileSync(GSM8K, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { question: string; answer: string });

function tmp(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'llmbench-ds-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  return { dir, path: (n: string) => join(dir, n), done: () => rmSync(dir, { recursive: true, force: true }) };
}

const rejectsUsage = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof UsageError && re.test(e.message));

test('the real GSM8K test set loads: 1319 items, every gold parsed, every solution extracts its own gold', async () => {
  const items = await loadGsm8k(GSM8K, '--dataset-path');
  assert.equal(items.length, 1319);
  assert.deepEqual(items.slice(0, 3).map((i) => [i.line, i.gold]), [[1, '18'], [2, '3'], [3, '70000']]);
  assert.equal(items.filter((i) => i.gold === null).length, 0);
  // the worked solutions (calculator annotations stripped) score as correct answers to themselves
  const w = gsm8kWorkload({ path: GSM8K, limit: null, shots: 0, shotsPath: null, maxTokens: 512 });
  await w.prepare(ctx('chat'));
  let correct = 0;
  for (let i = 0; i < items.length; i++) if (w.score((await w.item(0, i)), items[i]!.answer).correct) correct++;
  assert.equal(correct, 1319);
  assert.equal(items[0]!.answer, 'Janet sells 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 * 2 = $18 every day at the farmer’s market.\n#### 18');
});

test('gsm8k zero-shot chat: instruction + question, natural length capped at --max-tokens, meta carries gold', async () => {
  const w = gsm8kWorkload({ path: GSM8K, limit: 200, shots: 0, shotsPath: null, maxTokens: 256 });
  await w.prepare(ctx('chat'));
  assert.equal(w.size(), 200);
  const it = await w.item(0, 0);
  assert.deepEqual(it, {
    input_tokens: null,
    input_tokens_source: null,
    output_tokens: 256,
    force_length: false,
    meta: { dataset: 'gsm8k', item: 1, gold: '18' },
    messages: [{ role: 'user', content: `Solve the following math problem step by step. End your reply with the final answer on its own line, written as "#### <number>".\n\nQuestion: ${lines[0]!.question}` }],
  });
  assert.deepEqual((await w.item(1, 200)).meta, { dataset: 'gsm8k', item: 1, gold: '18' }); // wraps around
  const d = w.describe();
  assert.equal(d.dataset, 'gsm8k');
  assert.equal(d.items, 200);
  assert.equal(d.limit, 200);
  assert.deepEqual(d.template, { name: 'gsm8k', style: 'chat', user: GSM8K_TEMPLATE.user, assistant: '{answer}', few_shot: 'multi-turn: one user/assistant pair per shot' });
});

test('gsm8k 2-shot completion: the first 2 items become examples and are not scored', async () => {
  const w = gsm8kWorkload({ path: GSM8K, limit: 5, shots: 2, shotsPath: null, maxTokens: 512 });
  await w.prepare(ctx('completions'));
  assert.equal(w.size(), 5);
  const it = await w.item(0, 0);
  const strip = (a: string) => a.replace(/<<[^>]*>>/g, '');
  assert.equal(it.prompt, `Question: ${lines[0]!.question}\nAnswer: ${strip(lines[0]!.answer)}\n\nQuestion: ${lines[1]!.question}\nAnswer: ${strip(lines[1]!.answer)}\n\nQuestion: ${lines[2]!.question}\nAnswer:`);
  assert.deepEqual(it.meta, { dataset: 'gsm8k', item: 3, gold: '70000' });
  assert.equal(w.describe().shots_from, `first 2 items of ${GSM8K} (not scored)`);
  assert.deepEqual(w.describe().template, { name: 'gsm8k', style: 'completion', completion: 'Question: {question}\nAnswer:', shot: 'Question: {question}\nAnswer: {answer}\n\n', cut_output_at: '\nQuestion:' });
  // a base model that goes on to invent the next question is cut there before scoring
  assert.deepEqual(w.score(it, ' The profit is 70,000.\n#### 70000\n\nQuestion: Tom has 3 apples.\nAnswer: 3 + 2 = 5\n#### 5'), { extracted: '70000', gold: '70000', correct: true });
});

test('gsm8k chat few-shot from --shots-path: multi-turn examples, all dataset items scored', async () => {
  const t = tmp({ 'shots.jsonl': JSON.stringify({ question: 'What is 2+2?', answer: '2+2=<<2+2=4>>4\n#### 4' }) + '\n' });
  try {
    const w = gsm8kWorkload({ path: GSM8K, limit: null, shots: 1, shotsPath: t.path('shots.jsonl'), maxTokens: 512 });
    await w.prepare(ctx('chat'));
    assert.equal(w.size(), 1319);
    const m = (await w.item(0, 0)).messages!;
    assert.deepEqual(m.slice(0, 2), [
      { role: 'user', content: GSM8K_TEMPLATE.user.replace('{question}', 'What is 2+2?') },
      { role: 'assistant', content: '2+2=4\n#### 4' },
    ]);
    assert.equal(m.length, 3);
  } finally {
    t.done();
  }
});

test('bad dataset files: UsageError naming file, line and field', async () => {
  const t = tmp({
    'badjson.jsonl': '{"question": "a", "answer": "#### 1"}\n{"question": "b", "answer": \n',
    'nofield.jsonl': '{"question": "a", "answer": "#### 1"}\n\n{"prompt": "b", "answer": "#### 2"}\n',
    'nohash.jsonl': '{"question": "a", "answer": "it is 4"}\n',
    'array.jsonl': '[1,2]\n',
    'empty.jsonl': '\n\n',
  });
  try {
    const load = (n: string) => loadGsm8k(t.path(n), '--dataset-path');
    await rejectsUsage(load('badjson.jsonl'), /--dataset-path: .*badjson\.jsonl line 2: not valid JSON/);
    await rejectsUsage(load('nofield.jsonl'), /nofield\.jsonl line 3: field "question" is missing; the line has: prompt, answer/);
    await rejectsUsage(load('nohash.jsonl'), /nohash\.jsonl line 1: field "answer" has no final "#### <number>" line/);
    await rejectsUsage(load('array.jsonl'), /array\.jsonl line 1: not a JSON object/);
    await rejectsUsage(load('empty.jsonl'), /empty\.jsonl has no JSON lines/);
    await rejectsUsage(load('missing.jsonl'), /--dataset-path: cannot read .*missing\.jsonl \(ENOENT\)/);
    const w = gsm8kWorkload({ path: GSM8K, limit: null, shots: 2, shotsPath: t.path('nohash.jsonl'), maxTokens: 1 });
    await rejectsUsage(w.prepare(ctx('chat')), /--shots-path: .*nohash\.jsonl line 1/);
  } finally {
    t.done();
  }
});

test('generic jsonl: field mapping (dotted), exact and number scoring', async () => {
  const t = tmp({
    'qa.jsonl': [
      { input: { text: 'Capital of France?' }, target: 'Paris' },
      { input: { text: 'Capital of Italy?' }, target: 'Rome' },
    ].map((o) => JSON.stringify(o)).join('\n'),
    'num.jsonl': [{ q: 'How many legs has a spider?', a: 8 }, { q: 'Half of 7?', a: '3.50' }].map((o) => JSON.stringify(o)).join('\n'),
  });
  try {
    const exact = jsonlWorkload({ path: t.path('qa.jsonl'), promptField: 'input.text', answerField: 'target', scoring: 'exact', limit: null, shots: 0, shotsPath: null, maxTokens: 32 });
    await exact.prepare(ctx('completions'));
    const it = await exact.item(0, 1);
    assert.equal(it.prompt, 'Capital of Italy?');
    assert.deepEqual(it.meta, { dataset: 'jsonl', item: 2, gold: 'Rome' });
    assert.deepEqual(exact.score(it, ' Rome.'), { extracted: 'Rome', gold: 'Rome', correct: true });
    assert.deepEqual(exact.score(it, 'The answer is Milan.'), { extracted: 'Milan', gold: 'Rome', correct: false });
    assert.equal(exact.describe().prompt_field, 'input.text');

    const num = jsonlWorkload({ path: t.path('num.jsonl'), promptField: 'q', answerField: 'a', scoring: 'number', limit: null, shots: 0, shotsPath: null, maxTokens: 32 });
    await num.prepare(ctx('chat'));
    const it2 = await num.item(0, 1);
    assert.deepEqual(it2.messages, [{ role: 'user', content: 'Half of 7?' }]);
    assert.deepEqual(num.score(it2, 'Half of 7 is **3.5**'), { extracted: '3.5', gold: '3.5', correct: true });
    assert.deepEqual(num.score(await num.item(0, 0), 'Spiders have 8 legs.'), { extracted: '8', gold: '8', correct: true });

    const wrongField = jsonlWorkload({ path: t.path('qa.jsonl'), promptField: 'question', answerField: 'target', scoring: 'exact', limit: null, shots: 0, shotsPath: null, maxTokens: 32 });
    await rejectsUsage(wrongField.prepare(ctx('chat')), /qa\.jsonl line 1: field "question" is missing; the line has: input, target\n.*fix: name the prompt field with --prompt-field/s);
    const notNumber = jsonlWorkload({ path: t.path('qa.jsonl'), promptField: 'input.text', answerField: 'target', scoring: 'number', limit: null, shots: 0, shotsPath: null, maxTokens: 32 });
    await rejectsUsage(notNumber.prepare(ctx('chat')), /field "target" holds no number to score against \("Paris"\)/);
  } finally {
    t.done();
  }
});
