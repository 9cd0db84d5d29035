/**
 * End to end: the real GSM8K questions, sent to a scripted OpenAI-compatible server (127.0.0.1, port 0) that
 * answers each with a known right or wrong answer in one of many real-world formats; workload + extraction +
 * accuracy must come out exactly. The requests are driven by a minimal loop here (the runner is another issue's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createQualityWorkload } from '../../src/cli/options/quality.js';
import { accuracySummary, wilsonInterval } from '../../src/quality/accuracy.js';
import { indexOf, isWrong, reply } from './gsm8k-replies.js';
import { type ChatMessage } from '../../src/core/chat.js';

const GSM8K = '../shared/datasets/gsm8k/test.jsonl';

async function scriptedServer() {
  const seen: Array<{ path: string; max_tokens: unknown }> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { messages?: ChatMessage[]; prompt?: string; max_tokens?: number };
      seen.push({ path: req.url ?? '', max_tokens: body.max_tokens });
      let question: string;
      if (body.messages) question = body.messages[body.messages.length - 1]!.content.split('Question: ').pop()!;
      else question = body.prompt!.split('Question: ').pop()!.replace(/\nAnswer:$/, '');
      const k = indexOf.get(question);
      res.setHeader('content-type', 'application/json');
      if (k === undefined) {
        res.statusCode = 400;
        return res.end('{"error":"unknown question"}');
      }
      let text = reply(k).text;
      // a base model continues past its answer with an invented next question (cut off by the template)
      if (!body.messages) text = ` ${text}\n\nQuestion: Tom has 99 apples and buys 900 more.\nAnswer: 99 + 900 = 999\n#### 999`;
      const choice = body.messages ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' } : { index: 0, text, finish_reason: 'length' };
      res.end(JSON.stringify({ id: 'x', choices: [choice], usage: { prompt_tokens: 1, completion_tokens: 1 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const api of ['chat', 'completions'] as const) {
  test(`GSM8K end to end over ${api}: accuracy is exactly what the scripted server answered`, async () => {
    const srv = await scriptedServer();
    try {
      const shots = api === 'chat' ? 0 : 2;
      const values = { dataset: 'gsm8k', datasetPath: GSM8K, datasetLimit: 24, shots };
      const w = createQualityWorkload(values, new Set(Object.keys(values)))!;
      await w.prepare({ api, tokenizer: null, seed: 0, signal: new AbortController().signal });
      assert.equal(w.size(), 24);
      const records = [];
      for (let i = 0; i < w.size()!; i++) {
        const item = await w.item(0, i);
        const path = api === 'chat' ? '/v1/chat/completions' : '/v1/completions';
        const res = await fetch(srv.url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: item.messages, prompt: item.prompt, max_tokens: item.output_tokens }),
        });
        assert.equal(res.status, 200);
        const json = (await res.json()) as { choices: Array<{ message?: { content: string }; text?: string }> };
        const text = json.choices[0]!.message?.content ?? json.choices[0]!.text!;
        const answer = w.score!(item, text);
        const k = (item.meta!.item as number) - 1;
        assert.equal(answer.extracted, reply(k).expected, `item ${k}: ${text}`);
        assert.equal(answer.correct, !isWrong(k), `item ${k}`);
        records.push({ warmup: false, answer });
      }
      // chat: items 0..23 scored, k%4==3 wrong → 6 wrong, 18 right.
      // completions, 2 shots: items 2..25 scored; wrong are 3,7,11,15,19,23 → 6 wrong, 18 right.
      const s = accuracySummary(records);
      assert.deepEqual(s, { accuracy: 0.75, accuracy_ci95: wilsonInterval(18, 24), scored: 24, correct: 18 });
      // Wilson 18/24 by hand: z²/n = 0.160060, centre (0.75 + 0.080030)/1.160060 = 0.715506,
      // half = (1.959964/1.160060)·√(0.0078125 + 0.0016673) = 1.689536 · 0.097364 = 0.164500
      assert.ok(Math.abs(s.accuracy_ci95![0] - 0.551006) < 1e-6 && Math.abs(s.accuracy_ci95![1] - 0.880006) < 1e-6);
      assert.deepEqual(new Set(srv.seen.map((r) => r.max_tokens)), new Set([512]));
    } finally {
      await srv.close();
    }
  });
}
