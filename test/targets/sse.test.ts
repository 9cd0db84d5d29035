import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseReader, NdjsonReader, type StreamEvent } from '../../src/net/sse.js';
import { readTranscript } from '../support/transcripts.js';

function feed(reader: SseReader | NdjsonReader, bytes: Uint8Array, sizes: number[]): void {
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = sizes[k++ % sizes.length]!;
    reader.push(bytes.subarray(i, i + n));
    i += n;
  }
  reader.end();
}

function collect(input: string, sizes: number[]): StreamEvent[] {
  const out: StreamEvent[] = [];
  feed(new SseReader((e) => out.push(e)), new TextEncoder().encode(input), sizes);
  return out;
}

test('handles data with and without the space, comments, CRLF, error: lines and a missing final blank line', () => {
  const input = ': keep-alive\n\ndata:{"a":1}\r\n\r\ndata: {"b":2}\n\nevent: x\ndata: l1\ndata: l2\n\nerror: {"code":400,"message":"too long"}\n\ndata: [DONE]';
  assert.deepEqual(collect(input, [1000]), [
    { kind: 'data', data: '{"a":1}' },
    { kind: 'data', data: '{"b":2}' },
    { kind: 'data', data: 'l1\nl2', event: 'x' },
    { kind: 'error', data: '{"code":400,"message":"too long"}' },
    { kind: 'data', data: '[DONE]' },
  ]);
});

test('UTF-8 split across network reads is reassembled (every split position)', () => {
  const input = 'data: {"content":" ст名"}\n\n';
  const bytes = new TextEncoder().encode(input);
  for (let cut = 1; cut < bytes.length; cut++) {
    const out: StreamEvent[] = [];
    const r = new SseReader((e) => out.push(e));
    r.push(bytes.subarray(0, cut));
    r.push(bytes.subarray(cut));
    r.end();
    assert.deepEqual(out, [{ kind: 'data', data: '{"content":" ст名"}' }], `cut at ${cut}`);
  }
});

test('a real llama.cpp chat stream decodes to the same events whatever the read sizes', () => {
  const t = readTranscript('v1_chat_stream_usage.txt');
  const whole = collect(t.body, [1 << 20]);
  for (const sizes of [[1], [3, 7, 2], [17], [64, 5]]) assert.deepEqual(collect(t.body, sizes), whole);
  assert.equal(whole.at(-1)!.data, '[DONE]');
  const chunks = whole.slice(0, -1).map((e) => JSON.parse(e.data));
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.ok(text.length > 0);
  const usage = chunks.find((c) => c.usage)?.usage;
  assert.equal(typeof usage.completion_tokens, 'number');
});

test('NDJSON lines, split anywhere', () => {
  const input = '{"response":"a","done":false}\n{"response":"名","done":false}\n\n{"done":true,"eval_count":2}';
  const out: StreamEvent[] = [];
  feed(new NdjsonReader((e) => out.push(e)), new TextEncoder().encode(input), [5]);
  assert.deepEqual(out.map((e) => JSON.parse(e.data)), [{ response: 'a', done: false }, { response: '名', done: false }, { done: true, eval_count: 2 }]);
});
