import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chat, request, send, sendFailing, target } from '../support/adapters.js';
import { FAIL, startGenericOpenAi, startLmdeploy, startSglang, startTrtllm, startVllm } from '../support/servers/index.js';

test('vLLM: auto-detected, ignore_eos+min_tokens force the length, delta token_ids count multi-token chunks', async () => {
  const s = await startVllm();
  const t = await target(`${s.url}/v1`, 'auto');
  try {
    assert.equal(t.info.kind, 'vllm');
    assert.deepEqual(t.info.server, { detected: 'vllm', how: 'GET /v1/models owned_by="vllm"', version: '0.11.0' });
    assert.equal(t.info.api, 'chat');
    assert.equal(t.info.length_forcing, 'ignore_eos+min_tokens');
    assert.equal(t.info.max_model_len, 2048);
    assert.equal(t.defaultMetricsUrl, `${s.url}/metrics`);
    assert.equal(t.tokenizer()!.description, 'server POST /tokenize (vLLM/SGLang form)');
    const forced = await send(t, chat());
    assert.equal(forced.text, ' w0 w1 w2 w3 w4 w5 w6 w7');
    assert.equal(forced.deltas.length, 4); // two tokens per chunk
    assert.equal(forced.chunkTokens, 8);
    assert.deepEqual(forced.lastUsage, { prompt_tokens: 7, completion_tokens: 8, cached_tokens: null, reasoning_tokens: null });
    assert.deepEqual(forced.finishes, ['length']);
    const body = s.bodies('/v1/chat/completions').at(-1);
    assert.equal(body.ignore_eos, true);
    assert.equal(body.min_tokens, 8);
    assert.equal(body.return_token_ids, true);
    const natural = await send(t, chat({ force_length: false }));
    assert.equal(natural.lastUsage!.completion_tokens, 5);
    assert.deepEqual(natural.finishes, ['stop']);
    assert.equal(await t.resetCache!(), true);
    const f = await sendFailing(t, chat({ messages: [{ role: 'user', content: `x ${FAIL}` }] }));
    assert.equal(f.kind, 'server');
    assert.match(f.message, /scripted failure/);
  } finally {
    await t.close();
    await s.close();
  }
});

test('vLLM completions API and a missing model', async () => {
  const s = await startVllm();
  try {
    const t = await target(s.url, 'vllm', 'completions');
    const r = await send(t, request({ max_tokens: 3 }));
    assert.equal(r.text, ' w0 w1 w2');
    assert.equal(s.bodies('/v1/completions').at(-1).prompt, 'one two three');
    await t.close();
    await assert.rejects(target(s.url, 'vllm', null, { model: 'nope' }), /model 'nope' is not served/);
    await assert.rejects(target(s.url, 'vllm', 'native'), (e: Error & { exitCode?: number }) => e.exitCode === 2 && /vllm does not speak the 'native' API/.test(e.message));
  } finally {
    await s.close();
  }
});

test('SGLang OpenAI: detected, min_tokens sent, /flush_cache', async () => {
  const s = await startSglang();
  const t = await target(s.url, 'auto');
  try {
    assert.equal(t.info.kind, 'sglang');
    assert.equal(t.info.server!.version, '0.5.2');
    const r = await send(t, chat({ max_tokens: 6 }));
    assert.equal(r.lastUsage!.completion_tokens, 6);
    assert.equal(s.bodies('/v1/chat/completions').at(-1).min_tokens, 6);
    assert.equal(await t.resetCache!(), true);
    assert.equal(s.requests.at(-1)!.path, '/flush_cache');
  } finally {
    await t.close();
    await s.close();
  }
});

test('LMDeploy chat: ignore_eos + min_new_tokens, tokenizer from /v1/encode', async () => {
  const s = await startLmdeploy();
  const t = await target(s.url, 'auto');
  try {
    assert.equal(t.info.kind, 'lmdeploy');
    assert.equal(t.info.tokenizer, 'LMDeploy POST /v1/encode');
    assert.deepEqual(await t.tokenizer()!.encode('a b c'), [200, 201, 202]);
    assert.equal(await t.tokenizer()!.countPrompt!('a b c'), 4);
    const r = await send(t, chat({ max_tokens: 9 }));
    assert.equal(r.lastUsage!.completion_tokens, 9);
    const body = s.bodies('/v1/chat/completions').at(-1);
    assert.equal(body.min_new_tokens, 9);
    assert.equal(body.min_tokens, undefined);
    assert.equal(t.resetCache, undefined);
    const f = await sendFailing(t, chat({ messages: [{ role: 'user', content: FAIL }] }));
    assert.equal(f.kind, 'server');
  } finally {
    await t.close();
    await s.close();
  }
});

test('trtllm-serve: strict schema accepts what is sent, trailing space after the first chunk, /prometheus/metrics', async () => {
  const s = await startTrtllm();
  const t = await target(s.url, 'auto');
  try {
    assert.equal(t.info.kind, 'trtllm');
    assert.equal(t.info.server!.how, 'GET /v1/models owned_by="tensorrt_llm"');
    assert.equal(t.defaultMetricsUrl, `${s.url}/prometheus/metrics`);
    assert.equal(t.tokenizer(), null);
    const r = await send(t, chat({ max_tokens: 7, seed: 1 }));
    assert.equal(r.lastUsage!.completion_tokens, 7);
    assert.equal(r.text, ' w0 w1 w2 w3 w4 w5 w6');
    const f = await sendFailing(t, chat({ extra_body: { typo_field: 1 } }));
    assert.equal(f.kind, 'http');
    assert.equal(f.httpStatus, 400);
    assert.match(f.message, /typo_field/);
  } finally {
    await t.close();
    await s.close();
  }
});

test('generic OpenAI server: detected as openai; rejected length fields are dropped and recorded', async () => {
  const s = await startGenericOpenAi();
  const t = await target(s.url, 'auto');
  try {
    assert.equal(t.info.kind, 'openai');
    assert.equal(t.info.server!.how, 'GET /v1/models answered; no server-specific field');
    assert.equal(t.defaultMetricsUrl, null);
    const r = await send(t, chat());
    assert.equal(r.retries, 1);
    assert.match(r.notes[0]!, /^length_not_forced/);
    assert.equal(r.lastUsage!.completion_tokens, 5);
    assert.equal(t.info.length_forcing, 'none');
  } finally {
    await t.close();
    await s.close();
  }
});

test('auto with nothing listening: setup error (exit 3)', async () => {
  const s = await startVllm();
  const url = s.url;
  await s.close();
  await assert.rejects(target(url, 'auto'), (e: Error & { exitCode?: number; code?: string }) => e.exitCode === 3 && e.code === 'LLMBENCH_TARGET_UNREACHABLE');
});
