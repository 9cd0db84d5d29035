import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chat, request, send, sendFailing, target } from '../support/adapters.js';
import { FAIL, startLlamacpp, startLmdeploy, startMindie, startOllama, startSglang, startTgi, startTriton } from '../support/servers/index.js';

test('SGLang native /generate: cumulative text, Δcompletion_tokens per event, meta_info timings in ms', async () => {
  const s = await startSglang();
  const t = await target(s.url, 'sglang', 'native');
  try {
    assert.equal(t.info.length_forcing, 'ignore_eos');
    const r = await send(t, request({ max_tokens: 7 }));
    assert.equal(r.text, ' w0 w1 w2 w3 w4 w5 w6');
    assert.deepEqual(r.deltas.map((d) => d.tokens), [2, 2, 2, 1]);
    assert.deepEqual(r.deltas.map((d) => d.text), [' w0 w1', ' w2 w3', ' w4 w5', ' w6']);
    assert.deepEqual(r.lastUsage, { prompt_tokens: 3, completion_tokens: 7, cached_tokens: 2, reasoning_tokens: null });
    assert.deepEqual(r.lastTimings, { source: 'sglang.meta_info', e2e_ms: 271.5655090287328, prompt_tokens: 3, cached_tokens: 2, output_tokens: 7 });
    assert.deepEqual(r.finishes, ['length']);
    assert.deepEqual(s.bodies('/generate').at(-1).sampling_params, { max_new_tokens: 7, ignore_eos: true, min_new_tokens: 7, temperature: 0 });
    const natural = await send(t, request({ max_tokens: 7, force_length: false }));
    assert.equal(natural.lastUsage!.completion_tokens, 5);
    assert.deepEqual(natural.finishes, ['stop']);
    const f = await sendFailing(t, request({ prompt: FAIL }));
    assert.equal(f.kind, 'server');
    assert.match(f.message, /longer than the model's context length/);
  } finally {
    await t.close();
    await s.close();
  }
});

test('LMDeploy native /generate: delta text and output_ids', async () => {
  const s = await startLmdeploy();
  const t = await target(s.url, 'lmdeploy', 'native');
  try {
    const r = await send(t, request({ max_tokens: 6 }));
    assert.equal(r.text, ' w0 w1 w2 w3 w4 w5');
    assert.equal(r.chunkTokens, 6);
    assert.deepEqual(r.lastUsage, { prompt_tokens: 3, completion_tokens: 6 });
    assert.deepEqual(r.finishes, ['length']);
    assert.equal(s.bodies('/generate').at(-1).ignore_eos, true);
  } finally {
    await t.close();
    await s.close();
  }
});

test('Triton generate_stream: no [DONE], min_tokens forces, perf outputs in ns become ms', async () => {
  const s = await startTriton();
  const t = await target(s.url, 'auto');
  try {
    assert.equal(t.info.kind, 'triton');
    assert.equal(t.info.api, 'native');
    assert.equal(t.info.model, 'ensemble');
    assert.deepEqual(t.info.server, { detected: 'triton', how: 'GET /v2 name="triton"', version: '2.59.0' });
    assert.equal(t.defaultMetricsUrl, `http://127.0.0.1:8002/metrics`);
    const r = await send(t, request({ max_tokens: 6 }));
    assert.equal(r.text, ' w0 w1 w2 w3 w4 w5');
    assert.deepEqual(r.lastUsage, { prompt_tokens: 3, completion_tokens: 6 });
    assert.deepEqual(r.lastTimings, { source: 'triton.perf_metrics', queue_ms: 2, ttft_ms: 30, decode_ms: 50, e2e_ms: 80 });
    assert.deepEqual(r.finishes, [null]);
    const body = s.bodies('/v2/models/ensemble/generate_stream').at(-1);
    assert.equal(body.min_tokens, 6);
    assert.equal(body.max_tokens, 6);
    const f = await sendFailing(t, request({ prompt: FAIL }));
    assert.equal(f.kind, 'server');
    assert.match(f.message, /Executor failed/);
  } finally {
    await t.close();
    await s.close();
  }
  await assert.rejects(
    (async () => {
      const s2 = await startTriton();
      try {
        await target(s2.url, 'triton', null, { model: 'llama' });
      } finally {
        await s2.close();
      }
    })(),
    /has no model 'llama'/,
  );
});

test('Triton with an older ensemble: return_* tensors rejected once, then not sent', async () => {
  const s = await startTriton({ optionalOutputs: false });
  const t = await target(s.url, 'triton');
  try {
    const r = await send(t, request({ max_tokens: 4 }));
    assert.equal(r.retries, 1);
    assert.equal(r.text, ' w0 w1 w2 w3');
    assert.equal(r.usages.length, 0); // no server count: the recorder falls back to chunks/tokenizer
    assert.equal(r.timings.length, 0);
    const again = await send(t, request({ max_tokens: 4 }));
    assert.equal(again.retries, 0);
    assert.equal(t.info.length_forcing, 'min_tokens');
  } finally {
    await t.close();
    await s.close();
  }
});

test('TGI /generate_stream: data: without a space, keep-alive comment, EOS chunk with empty text counted, details', async () => {
  const s = await startTgi();
  const t = await target(s.url, 'auto', 'native');
  try {
    assert.equal(t.info.kind, 'tgi');
    assert.equal(t.info.server!.how, 'GET /info model_id, router="text-generation-router"');
    assert.equal(t.info.server!.version, '3.3.6');
    assert.equal(t.info.length_forcing, 'none');
    assert.equal(t.info.tokenizer, 'TGI POST /tokenize');
    assert.deepEqual(await t.tokenizer()!.encode('a b'), [300, 301]);
    const r = await send(t, request({ max_tokens: 8 }));
    assert.equal(r.text, ' w0 w1 w2 w3');
    assert.equal(r.deltas.length, 5);
    assert.equal(r.chunkTokens, 5);
    assert.deepEqual(r.deltas.at(-1), { text: undefined, tokens: 1 });
    assert.deepEqual(r.lastUsage, { prompt_tokens: 3, completion_tokens: 5 });
    assert.deepEqual(r.finishes, ['stop']);
    assert.deepEqual(r.notes, ['length_not_forced: TGI has no ignore_eos/min_tokens']);
    assert.deepEqual(s.bodies('/generate_stream').at(-1).parameters, { details: true, max_new_tokens: 8, do_sample: false });
    const f = await sendFailing(t, request({ prompt: FAIL }));
    assert.equal(f.kind, 'server');
    assert.match(f.message, /CUDA out of memory \(generation\)/);
  } finally {
    await t.close();
    await s.close();
  }
});

test('llama.cpp native /completion: tokens per event, final stop event with timings, old-style error: field', async () => {
  const s = await startLlamacpp();
  const t = await target(s.url, 'auto', 'native');
  try {
    assert.equal(t.info.kind, 'llamacpp');
    assert.equal(t.info.n_ctx, 2048);
    assert.equal(t.info.length_forcing, 'ignore_eos');
    assert.equal(t.tokenizer()!.description, 'server POST /tokenize (llama.cpp form)');
    const r = await send(t, request({ max_tokens: 8 }));
    assert.equal(r.text, ' w0 w1 w2 w3 w4 w5 w6 w7');
    assert.equal(r.chunkTokens, 8);
    assert.deepEqual(r.lastUsage, { prompt_tokens: 4, completion_tokens: 8 });
    assert.equal(r.lastTimings!.prefill_ms, 1.573);
    assert.equal(r.lastTimings!.decode_ms, 19.7);
    assert.deepEqual(r.finishes, ['length']);
    assert.deepEqual(s.bodies('/completion').at(-1), { prompt: 'one two three', stream: true, n_predict: 8, ignore_eos: true, temperature: 0 });
    const natural = await send(t, request({ max_tokens: 8, force_length: false }));
    assert.deepEqual(natural.finishes, ['stop']);
    const f = await sendFailing(t, request({ prompt: FAIL }));
    assert.equal(f.kind, 'server');
    assert.match(f.message, /exceeds the available context size/);
    assert.equal(await t.resetCache!(), true);
    assert.deepEqual(s.requests.slice(-2).map((x) => x.path), ['/slots/0?action=erase', '/slots/1?action=erase']);
  } finally {
    await t.close();
    await s.close();
  }
});

test('llama.cpp chat: usage and timings on the finish chunk', async () => {
  const s = await startLlamacpp();
  const t = await target(s.url, 'llamacpp');
  try {
    const r = await send(t, chat({ max_tokens: 6 }));
    assert.equal(r.lastUsage!.completion_tokens, 6);
    assert.deepEqual(r.lastTimings, { source: 'llamacpp.timings', ttft_ms: 2.43, e2e_ms: 2.43 + 16.278, prefill_ms: 2.43, decode_ms: 16.278, prompt_tokens: 7, cached_tokens: null, output_tokens: 6, draft_tokens: null, draft_accepted_tokens: null });
    assert.equal(s.bodies('/v1/chat/completions').at(-1).min_tokens, undefined);
  } finally {
    await t.close();
    await s.close();
  }
});

test('Ollama native NDJSON: /api/generate and /api/chat, ns durations to ms, error lines', async () => {
  const s = await startOllama();
  const t = await target(s.url, 'auto', 'native');
  try {
    assert.equal(t.info.kind, 'ollama');
    assert.deepEqual(t.info.server, { detected: 'ollama', how: 'GET /api/version', version: '0.13.1' });
    assert.equal(t.info.length_forcing, 'none');
    assert.equal(t.defaultMetricsUrl, null);
    const g = await send(t, request({ max_tokens: 8 }));
    assert.equal(g.text, ' w0 w1 w2 w3 w4');
    assert.deepEqual(g.lastUsage, { prompt_tokens: 3, completion_tokens: 5 });
    assert.deepEqual(g.lastTimings, { source: 'ollama', ttft_ms: 6338.219291 + 130.079, e2e_ms: 10706.818083, load_ms: 6338.219291, prefill_ms: 130.079, decode_ms: 4232.71, prompt_tokens: 3, output_tokens: 5 });
    assert.deepEqual(g.finishes, ['stop']);
    assert.deepEqual(s.bodies('/api/generate').at(-1), { model: 'm', stream: true, options: { num_predict: 8, temperature: 0 }, prompt: 'one two three' });
    const c = await send(t, chat({ max_tokens: 3 }));
    assert.equal(c.text, ' w0 w1 w2');
    assert.deepEqual(c.finishes, ['length']);
    assert.equal(s.bodies('/api/chat').length, 1);
    const f = await sendFailing(t, request({ prompt: FAIL }));
    assert.equal(f.kind, 'server');
    assert.match(f.message, /an error was encountered while running the model/);
  } finally {
    await t.close();
    await s.close();
  }
});

test('MindIE: /infer with prefill_time/decode_time, and native-OpenAI usage timings', async () => {
  const s = await startMindie();
  const n = await target(s.url, 'auto', 'native');
  try {
    assert.equal(n.info.kind, 'mindie');
    assert.equal(n.info.server!.how, 'GET /v2 name="MindIE Server"');
    assert.equal(n.info.length_forcing, 'none');
    const r = await send(n, request({ max_tokens: 8 }));
    assert.equal(r.text, ' w0 w1 w2 w3 w4');
    assert.equal(r.chunkTokens, 5);
    assert.deepEqual(r.lastUsage, { completion_tokens: 5 });
    assert.deepEqual(r.lastTimings, { source: 'mindie.infer', ttft_ms: 45.54, e2e_ms: 45.54 + 50, prefill_ms: 45.54, decode_ms: 50, decode_times_ms: [11, 12, 13, 14] });
    assert.deepEqual(r.finishes, ['stop']); // MindIE's eos_token in OpenAI's words, as for TGI
    const c = await target(s.url, 'mindie');
    const cr = await send(c, chat({ max_tokens: 3 }));
    assert.deepEqual(cr.lastTimings, { source: 'mindie.usage', ttft_ms: 45.5, e2e_ms: 78.5, prefill_ms: 45.5, decode_ms: 33, decode_times_ms: [10, 11, 12] });
    assert.equal(s.bodies('/v1/chat/completions').at(-1).ignore_eos, true);
    await c.close();
  } finally {
    await n.close();
    await s.close();
  }
});
