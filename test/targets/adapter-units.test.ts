import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputTokenCount, tritonTimings } from '../../src/targets/triton.js';
import { errorOf, rejectedField } from '../../src/targets/native-stream.js';
import { RequestFailure } from '../../src/targets/target.js';
import { startScripted, sse, sseHead } from '../support/servers/base.js';
import { request, send, target } from '../support/adapters.js';
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

test('SGLang native with --incremental-streaming-output: disjoint text segments are not re-cut', async () => {
  const s = await startScripted([
    async (req, res, _b, path) => {
      if (path !== '/generate') return false;
      sseHead(res);
      const parts = [' a', ' b', ' c'];
      parts.forEach((p, i) => sse(res, { text: p, meta_info: { completion_tokens: i + 1, prompt_tokens: 1, finish_reason: i === 2 ? { type: 'length', length: 3 } : null } }));
      sse(res, '[DONE]');
      res.end();
      return true;
    },
    sglangGenerate,
    okHandler('GET', '/v1/models', { object: 'list', data: [{ id: 'm', owned_by: 'sglang' }] }),
  ]);
  try {
    const t = await target(s.url, 'sglang', 'native');
    const r = await send(t, request({ max_tokens: 3 }));
    assert.equal(r.text, ' a b c');
    assert.deepEqual(r.deltas.map((d) => d.tokens), [1, 1, 1]);
    await t.close();
  } finally {
    await s.close();
  }
});
