import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputTokenCount, tritonTimings } from '../../src/targets/specs/triton.js';
import { errorOf, rejectedField } from '../../src/targets/stream.js';
import { RequestFailure } from '../../src/targets/target.js';
import { startScripted, sse, sseHead } from '../support/servers/base.js';
import { chat, request, send, target } from '../support/adapters.js';
import { sglangGenerate } from '../support/servers/native.js';
import { okHandler } from '../support/servers/openai-compat.js';

test('Triton num_output_tokens: cumulative and per-response sequences', () => {
  assert.equal(outputTokenCount([1, 2, 3, 4]), 4); // cumulative, one token per response
  assert.equal(outputTokenCount([2, 4, 6]), 6); // cumulative, two per response
  assert.equal(outputTokenCount([1, 1, 1, 1]), 4); // per response
  assert.equal(outputTokenCount([3, 3]), 6); // per response, three each
  assert.equal(outputTokenCount([5]), 5);
  assert.equal(outputTokenCount([]), null);
  assert.deepEqual(tritonTimings({ arrival_time_ns: 0, first_token_time_ns: 5e6 }), { source: 'triton.perf_metrics', queue_ms: null, ttft_ms: 5, decode_ms: null, e2e_ms: null });
  assert.equal(tritonTimings({ text_output: 'x' }), null);
});

test('error shapes of every server are recognised, plain objects are not errors', () => {
  assert.equal(errorOf({ error: { message: 'm', type: 't', param: null, code: 400 } }), 'm');
  assert.equal(errorOf({ error: 'Input validation error: x', error_type: 'validation' }), 'Input validation error: x (validation)');
  assert.equal(errorOf({ error: { message: 'Expected x', http_status_code: 422 } }), 'Expected x');
  assert.equal(errorOf({ text: 'hi', error: null }), null);
  assert.equal(errorOf({ token: { id: 1 } }), null);
  assert.equal(rejectedField(new RequestFailure('http', 'HTTP 400: unexpected inference input \'min_tokens\'', 400), ['min_tokens']), 'min_tokens');
  assert.equal(rejectedField(new RequestFailure('http', 'HTTP 500: min_tokens', 500), ['min_tokens']), null);
});

/** Runs one native SGLang request whose events carry `texts`, one token each, and returns what the sink got. */
async function sglangTexts(texts: string[]) {
  const s = await startScripted([
    async (req, res, _b, path) => {
      if (path !== '/generate') return false;
      sseHead(res);
      texts.forEach((p, i) => sse(res, { text: p, meta_info: { completion_tokens: i + 1, prompt_tokens: 1, finish_reason: i === texts.length - 1 ? { type: 'length', length: texts.length } : null } }));
      sse(res, '[DONE]');
      res.end();
      return true;
    },
    sglangGenerate,
    okHandler('GET', '/v1/models', { object: 'list', data: [{ id: 'm', owned_by: 'sglang' }] }),
  ]);
  try {
    const t = await target(s.url, 'sglang', 'native');
    const r = await send(t, request({ max_tokens: texts.length }));
    await t.close();
    return r;
  } finally {
    await s.close();
  }
}

test('SGLang native with --incremental-streaming-output: disjoint text segments are not re-cut', async () => {
  const r = await sglangTexts([' a', ' b', ' c']);
  assert.equal(r.text, ' a b c');
  assert.deepEqual(r.deltas.map((d) => d.tokens), [1, 1, 1]);
});

test('SGLang native incremental: a segment that starts with all the text so far is still new text', async () => {
  assert.equal((await sglangTexts(['\n', '\n', '\n', ' a', '\n', '\n'])).text, '\n\n\n a\n\n');
  assert.equal((await sglangTexts(['x', ' y', 'x y', 'x y'])).text, 'x yx yx y');
});

test('SGLang native cumulative: repeated and unchanged texts add only their growth', async () => {
  const r = await sglangTexts(['\n', '\n', '\n\n', '\n\n', '\n\n a', '\n\n a\n', '\n\n a\n']);
  assert.equal(r.text, '\n\n a\n');
  assert.deepEqual(r.deltas.map((d) => d.tokens), [1, 1, 1, 1, 1, 1, 1]);
});

test('MindIE OpenAI mode: an empty decode_time_arr is an unknown decode time, not 0 ms', async () => {
  const s = await startScripted([
    okHandler('GET', '/v1/models', { object: 'list', data: [{ id: 'm', owned_by: 'mindie' }] }),
    async (_req, res, _b, path) => {
      if (path !== '/v1/chat/completions') return false;
      sseHead(res);
      sse(res, { choices: [{ index: 0, delta: { content: ' w0' }, finish_reason: 'length' }] });
      sse(res, { choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, prefill_time: 40, decode_time_arr: [] } });
      sse(res, '[DONE]');
      res.end();
      return true;
    },
  ]);
  try {
    const t = await target(s.url, 'mindie', 'chat');
    const r = await send(t, chat({ max_tokens: 1 }));
    assert.deepEqual(r.lastTimings, { source: 'mindie.usage', ttft_ms: 40, e2e_ms: null, prefill_ms: 40, decode_ms: null, decode_times_ms: null });
    await t.close();
  } finally {
    await s.close();
  }
});

test('OpenAI chat: an empty reasoning_content falls back to reasoning', async () => {
  const s = await startScripted([
    okHandler('GET', '/v1/models', { object: 'list', data: [{ id: 'm', owned_by: 'vllm' }] }),
    async (_req, res, _b, path) => {
      if (path !== '/v1/chat/completions') return false;
      sseHead(res);
      sse(res, { choices: [{ index: 0, delta: { content: null, reasoning_content: '', reasoning: 'think' } }] });
      sse(res, { choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] });
      sse(res, '[DONE]');
      res.end();
      return true;
    },
  ]);
  try {
    const t = await target(s.url, 'openai', 'chat');
    const r = await send(t, chat({ max_tokens: 2 }));
    assert.deepEqual(r.deltas.map((d) => d.reasoning ?? null), ['think', null]);
    assert.equal(r.text, 'ok');
    await t.close();
  } finally {
    await s.close();
  }
});
