/**
 * GSM8K through the real embedded engine on stories260K (a 260K-parameter story model): the workload's chat and
 * completion prompts go through llama.cpp, every answer is scored, and the model, which only writes children's
 * stories, gets none right: accuracy is a measured 0 with its Wilson interval, not n/a.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createQualityWorkload } from '../../src/cli/options/quality.js';
import { accuracySummary, wilsonInterval } from '../../src/quality/accuracy.js';
import { RunClock } from '../../src/core/clock.js';
import { type StreamSink } from '../../src/targets/target.js';
import { createEmbeddedTarget } from '../../src/targets/embedded.js';

const GSM8K = '../shared/datasets/gsm8k/test.jsonl';
const MODEL = '../shared/fixtures/models/stories260K.gguf';

test('GSM8K through the embedded engine (stories260K): 3 items per API, all scored, none right', { timeout: 120_000 }, async () => {
  const target = await createEmbeddedTarget({ modelPath: MODEL, clock: new RunClock(), threads: 1, contextSize: 1024 });
  try {
    for (const api of ['chat', 'completions'] as const) {
      const values = { dataset: 'gsm8k', datasetPath: GSM8K, datasetLimit: 3, maxTokens: 24 };
      const w = createQualityWorkload(values, new Set(Object.keys(values)))!;
      await w.prepare({ api, tokenizer: null, seed: 0, signal: new AbortController().signal });
      const records = [];
      for (let i = 0; i < 3; i++) {
        const item = await w.item(0, i);
        let text = '';
        let finish: string | null = null;
        const sink: StreamSink = {
          headers() {}, usage() {}, serverTimings() {}, engine() {}, note() {}, retry() {},
          delta: (d) => void (text += d.text ?? ''),
          finish: (r) => void (finish = r),
        };
        await target.send({ id: `${api}-${i}`, messages: item.messages, prompt: item.prompt, max_tokens: item.output_tokens, force_length: false, temperature: 0, seed: 1, extra_body: {} }, sink, new AbortController().signal);
        assert.ok(text.length > 0, `${api} item ${i} produced no text`);
        assert.equal(finish, 'length', `${api} item ${i}: a story model runs to the --max-tokens cap`);
        const answer = w.score!(item, text);
        assert.deepEqual(answer, { extracted: null, gold: ['18', '3', '70000'][i], correct: false }, `${api} item ${i}: ${JSON.stringify(text)}`);
        records.push({ warmup: false, answer });
      }
      assert.deepEqual(accuracySummary(records), { accuracy: 0, accuracy_ci95: wilsonInterval(0, 3), scored: 3, correct: 0 });
    }
  } finally {
    await target.close();
  }
});
