import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputTokenCount, tritonTimings } from '../../src/targets/specs/triton.js';
import { errorOf, rejectedField } from '../../src/targets/stream.js';
import { RequestFailure } from '../../src/targets/target.js';
import { json, startScripted, sse, sseHead } from '../support/servers/base.js';
import { startLlamacpp, startOllama, startTgi } from '../support/servers/index.js';
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

test('length fields rejected with 422 on a native API: resent once without them, noted, not sent again', async () => {
  const s = await startScripted([
    okHandler('GET', '/v1/models', { object: 'list', data: [{ id: 'm', owned_by: 'llamacpp' }] }),
    (req, res, body, path) => {
      if (req.method !== 'POST' || path !== '/completion') return false;
      if ('ignore_eos' in body) return json(res, 422, { detail: [{ loc: ['body', 'ignore_eos'], msg: 'extra fields not permitted' }] }) as true;
      sseHead(res);
      sse(res, { content: ' w0', tokens: [1], stop: false });
      sse(res, { content: '', tokens: [], stop: true, stop_type: 'eos', tokens_predicted: 1, tokens_evaluated: 3 });
      res.end();
      return true;
    },
  ]);
  try {
    const t = await target(s.url, 'llamacpp', 'native');
    assert.equal(t.info.length_forcing, 'ignore_eos');
    const r = await send(t, request({ max_tokens: 4 }));
    assert.equal(r.retries, 1);
    assert.equal(r.text, ' w0');
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0]!, /^length_not_forced: the server rejected ignore_eos \(HTTP 422: /);
    assert.equal(t.info.length_forcing, 'none');
    const again = await send(t, request({ max_tokens: 4 }));
    assert.equal(again.retries, 0);
    assert.deepEqual(again.notes, ['length_not_forced: the server rejected the length fields earlier in the run']);
    assert.equal(s.bodies('/completion').at(-1).ignore_eos, undefined);
    assert.deepEqual((await send(t, request({ force_length: false }))).notes, []);
    await t.close();
  } finally {
    await s.close();
  }
});

test('servers that cannot force lengths say so on every forced request, OpenAI-style APIs included', async () => {
  const tgi = await startTgi();
  const ollama = await startOllama();
  try {
    for (const [url, server, note] of [[tgi.url, 'tgi', 'length_not_forced: TGI has no ignore_eos/min_tokens'], [ollama.url, 'ollama', 'length_not_forced: Ollama has no ignore_eos/min_tokens']] as const) {
      const t = await target(url, server, 'chat');
      assert.equal(t.info.length_forcing, 'none');
      const r = await send(t, chat({ max_tokens: 3 }));
      assert.deepEqual(r.notes, [note]);
      assert.equal(r.text, ' w0 w1 w2');
      const body = (server === 'tgi' ? tgi : ollama).bodies('/v1/chat/completions').at(-1);
      assert.equal(body.ignore_eos, undefined);
      assert.equal(body.min_tokens, undefined);
      await t.close();
    }
  } finally {
    await tgi.close();
    await ollama.close();
  }
});

test('server tokenizers: decode only where /detokenize answered JSON text; failures are RequestFailures', async () => {
  const llama = await startLlamacpp();
  const tgi = await startTgi();
  const gateway = await startScripted([
    okHandler('GET', '/v1/models', { object: 'list', data: [{ id: 'm', owned_by: 'acme' }] }),
    (req, res, body, path) => {
      if (req.method !== 'POST') return false;
      if (path === '/tokenize' && body.prompt === 'break') return json(res, 500, { error: { message: 'tokenizer crashed' } }) as true;
      if (path === '/tokenize') return json(res, 200, { tokens: [5, 6] }) as true;
      if (path === '/detokenize') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>not here</html>');
        return true;
      }
      return false;
    },
  ]);
  try {
    const l = await target(llama.url, 'llamacpp');
    assert.equal(await l.tokenizer()!.decode!([1, 2]), ' t1 t2');
    assert.equal(await l.tokenizer()!.countChat!([{ role: 'user', content: 'a b' }]), null); // no /apply-template there
    await l.close();
    const g = await target(tgi.url, 'tgi', 'native');
    assert.equal(g.tokenizer()!.decode, undefined);
    await g.close();
    const w = await target(gateway.url, 'openai');
    const tok = w.tokenizer()!;
    assert.equal(tok.description, 'server POST /tokenize (vLLM/SGLang form)');
    assert.equal(tok.decode, undefined);
    assert.deepEqual(await tok.encode('a'), [5, 6]);
    await assert.rejects(tok.encode('break'), (e: unknown) => e instanceof RequestFailure && e.kind === 'http' && e.httpStatus === 500 && e.message === '/tokenize: HTTP 500: tokenizer crashed');
    await w.close();
  } finally {
    await llama.close();
    await tgi.close();
    await gateway.close();
  }
});
