import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startServe, type ServeHandle } from '../../src/engine/serve/server.js';
import { STORIES } from './helpers.js';

let srv: ServeHandle;

before(async () => {
  srv = await startServe({ modelPath: STORIES, port: 0, parallel: 2, threads: 1, contextSize: 256 });
});
after(async () => {
  await srv?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: any; text: string; type: string | null }> {
  const r = await fetch(srv.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // SSE
  }
  return { status: r.status, json, text, type: r.headers.get('content-type') };
}

/** Splits an SSE body into its data payloads (JSON objects, or the [DONE] marker). */
function sseEvents(text: string): Array<any> {
  return text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => {
    const d = e.slice(6);
    return d === '[DONE]' ? '[DONE]' : JSON.parse(d);
  });
}

test('streaming chat with include_usage and ignore_eos: one chunk per token, usage, [DONE]', async () => {
  const r = await post('/v1/chat/completions', { model: 'stories260K', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 30, ignore_eos: true, temperature: 0, stream: true, stream_options: { include_usage: true } });
  assert.equal(r.status, 200);
  assert.match(r.type ?? '', /text\/event-stream/);
  const ev = sseEvents(r.text);
  assert.equal(ev.at(-1), '[DONE]');
  assert.deepEqual(ev[0].choices[0].delta, { role: 'assistant', content: '' });
  const content = ev.filter((e) => e !== '[DONE]' && e.choices?.[0]?.delta?.content !== undefined).slice(1);
  assert.equal(content.length, 30);
  const text = content.map((e) => e.choices[0].delta.content).join('');
  assert.ok(text.startsWith(', there was a little girl named Lily.'), text);
  const fin = ev.at(-3);
  assert.equal(fin.choices[0].finish_reason, 'length');
  assert.equal(fin.timings.predicted_n, 30);
  const usage = ev.at(-2);
  assert.deepEqual(usage.choices, []);
  assert.deepEqual(usage.usage, { prompt_tokens: 5, completion_tokens: 30, total_tokens: 35, prompt_tokens_details: { cached_tokens: 0 } });
  // Every chunk of one completion carries the same id and `created`, as OpenAI's do.
  const chunks = ev.filter((e) => e !== '[DONE]');
  assert.deepEqual([...new Set(chunks.map((e) => `${e.id} ${e.created}`))].length, 1);
});

test('non-streaming completions, min_tokens, seed; prompt as token ids', async () => {
  // The first test's chat prompt had the same tokens (fallback:plain = BOS + content): the prefix cache reuses 4 of
  // the 5, the last one is decoded again for its logits (b, below, reuses them too and must give a's text).
  const a = await post('/v1/completions', { prompt: 'Once upon a time', max_tokens: 12, min_tokens: 12, temperature: 0 });
  assert.equal(a.status, 200);
  assert.equal(a.json.object, 'text_completion');
  assert.deepEqual(a.json.usage, { prompt_tokens: 5, completion_tokens: 12, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 } });
  assert.equal(a.json.choices[0].finish_reason, 'length');
  const b = await post('/v1/completions', { prompt: [1, 403, 407, 261, 378], max_tokens: 12, temperature: 0 });
  assert.equal(b.json.choices[0].text, a.json.choices[0].text);
  const s1 = await post('/v1/completions', { prompt: 'Tom', max_tokens: 20, temperature: 1, seed: 42 });
  const s2 = await post('/v1/completions', { prompt: 'Tom', max_tokens: 20, temperature: 1, seed: 42 });
  assert.equal(s1.json.choices[0].text, s2.json.choices[0].text);
});

test('streaming completions without include_usage has no usage chunk', async () => {
  const r = await post('/v1/completions', { prompt: 'Once', max_tokens: 5, stream: true });
  const ev = sseEvents(r.text).filter((e) => e !== '[DONE]');
  assert.equal(ev.length, 6);
  assert.ok(ev.every((e) => e.object === 'text_completion' && e.usage === undefined));
});

test('/tokenize takes llama.cpp {content} and vLLM {prompt} / {messages}', async () => {
  assert.deepEqual((await post('/tokenize', { content: 'Once upon a time' })).json, { tokens: [403, 407, 261, 378], count: 4, max_model_len: 256 });
  assert.deepEqual((await post('/tokenize', { content: 'Once upon a time', add_special: true })).json.tokens, [1, 403, 407, 261, 378]);
  assert.deepEqual((await post('/tokenize', { prompt: 'Once upon a time' })).json.tokens, [1, 403, 407, 261, 378]);
  assert.equal((await post('/tokenize', { messages: [{ role: 'user', content: 'Once upon a time' }] })).json.count, 5);
  assert.equal((await post('/detokenize', { tokens: [403, 407, 261, 378] })).json.content, 'Once upon a time');
});

test('/v1/models records the fallback chat template; /health is ok', async () => {
  const r = await fetch(srv.url + '/v1/models');
  const j = (await r.json()) as any;
  assert.equal(j.data[0].id, 'stories260K');
  assert.equal(j.data[0].meta.chat_template.name, 'fallback:plain');
  assert.equal(j.data[0].meta.n_ctx, 256);
  const h = await fetch(srv.url + '/health');
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { status: 'ok' });
});

test('errors: OpenAI shape with 4xx codes', async () => {
  const badJson = await post('/v1/chat/completions', '{bad');
  assert.equal(badJson.status, 400);
  assert.equal(badJson.json.error.type, 'invalid_request_error');
  assert.match(badJson.json.error.message, /not valid JSON/);
  const badMessages = await post('/v1/chat/completions', { messages: 'not-an-array' });
  assert.equal(badMessages.status, 400);
  assert.equal(badMessages.json.error.param, 'messages');
  const unknownModel = await post('/v1/completions', { model: 'gpt-4', prompt: 'x' });
  assert.equal(unknownModel.status, 404);
  assert.equal(unknownModel.json.error.code, 'model_not_found');
  const tooLong = await post('/v1/completions', { prompt: 'Once', max_tokens: 1000 });
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.json.error.code, 'context_length_exceeded');
  const badTemp = await post('/v1/completions', { prompt: 'x', temperature: 'hot' });
  assert.equal(badTemp.status, 400);
  assert.equal(badTemp.json.error.param, 'temperature');
  assert.equal((await post('/tokenize', {})).status, 400);
  const notFound = await fetch(srv.url + '/v2/nothing');
  assert.equal(notFound.status, 404);
  const wrongMethod = await fetch(srv.url + '/v1/completions');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'POST');
});

test('/metrics: Prometheus text with request, token and latency series', async () => {
  const before = await (await fetch(srv.url + '/metrics')).text();
  const gen = (t: string) => Number(new RegExp(`^llmbench:generation_tokens_total\\{[^}]*\\} (\\d+)$`, 'm').exec(t)?.[1]);
  const g0 = gen(before);
  await post('/v1/completions', { prompt: 'Once', max_tokens: 7, ignore_eos: true });
  const r = await fetch(srv.url + '/metrics');
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  assert.equal(gen(text), g0 + 7);
  assert.match(text, /^# TYPE llmbench:time_to_first_token_seconds histogram$/m);
  assert.match(text, /^llmbench:num_requests_running\{model_name="stories260K"\} 0$/m);
  assert.match(text, /^llmbench:num_requests_waiting\{model_name="stories260K"\} 0$/m);
  assert.match(text, /^llmbench:time_per_output_token_seconds_bucket\{model_name="stories260K",le="\+Inf"\} \d+$/m);
  const ttftCount = Number(/^llmbench:time_to_first_token_seconds_count\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
  const tpotCount = Number(/^llmbench:time_per_output_token_seconds_count\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
  assert.equal(tpotCount, gen(text) - ttftCount, 'one TTFT per request that produced tokens, one gap per further token');
});

test('a client that disconnects mid-stream cancels its request; others are unaffected', async () => {
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(srv.url + '/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.on('timeout', () => reject(new Error('timeout')));
    req.end(JSON.stringify({ prompt: 'Once', max_tokens: 240, ignore_eos: true, stream: true }));
  });
  const r = await post('/v1/completions', { prompt: 'Once', max_tokens: 3 });
  assert.equal(r.json.usage.completion_tokens, 3);
  // The cancel reaches the engine between two tokens; poll (bounded) until it has been counted.
  const aborted = /^llmbench:request_success_total\{model_name="stories260K",finished_reason="abort"\} 1$/m;
  let m = '';
  for (let i = 0; i < 1000 && !aborted.test(m); i++) {
    if (i) await new Promise((r) => setTimeout(r, 20));
    m = await (await fetch(srv.url + '/metrics')).text();
  }
  assert.match(m, aborted);
  assert.match(m, /^llmbench:num_requests_running\{model_name="stories260K"\} 0$/m);
});
