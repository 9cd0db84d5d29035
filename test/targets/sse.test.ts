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

test('a line longer than maxEventBytes fails with a parse error naming --max-event-bytes, as soon as the cap is crossed', () => {
  for (const make of [(cb: (e: StreamEvent) => void) => new SseReader(cb, 2048), (cb: (e: StreamEvent) => void) => new NdjsonReader(cb, 2048)]) {
    const out: StreamEvent[] = [];
    const r = make((e) => out.push(e));
    r.push(new TextEncoder().encode('data: {"a":1}\n\n'.replace('data: ', r instanceof NdjsonReader ? '' : 'data: ')));
    const read = new Uint8Array(100).fill(120); // 'x', no newline ever
    let pushed = 0;
    let err: (Error & { kind?: string }) | null = null;
    try {
      for (; pushed < 1000; pushed++) r.push(read);
    } catch (e) {
      err = e as Error & { kind?: string };
    }
    assert.equal(err?.kind, 'parse');
    assert.match(err!.message, /--max-event-bytes \(2048 bytes\)/);
    assert.equal(pushed, 20); // reads 0..20 hold 2100 bytes: the 21st read crossed 2048
    assert.equal(out.length, 1); // the event before it was delivered
  }
});

test('an SSE event of many data lines is capped as a whole; lines up to the cap pass', () => {
  const line = `data: ${'y'.repeat(1000)}\n`;
  const ok: StreamEvent[] = [];
  const r = new SseReader((e) => ok.push(e), 2048);
  r.push(new TextEncoder().encode(`${line}${line}\n`));
  assert.equal(ok[0]!.data.length, 2001);
  const bad = new SseReader(() => undefined, 2048);
  assert.throws(() => bad.push(new TextEncoder().encode(`${line}${line}${line}\n`)), (e: Error & { kind?: string }) => e.kind === 'parse' && /--max-event-bytes/.test(e.message));
});

test('a long line arriving in many reads is scanned once, not once per read', () => {
  const r = new SseReader(() => undefined, 1 << 24);
  const read = new TextEncoder().encode('z'.repeat(1000));
  // Count the characters String.prototype.indexOf looks at while the reader works (synchronously, so nothing else runs).
  const orig = String.prototype.indexOf;
  let scanned = 0;
  String.prototype.indexOf = function (this: string, s: string, from?: number) {
    const at = orig.call(this, s, from);
    scanned += (at < 0 ? this.length : at + 1) - (from ?? 0);
    return at;
  };
  try {
    for (let i = 0; i < 2000; i++) r.push(read);
    r.push(new TextEncoder().encode('\n\n'));
  } finally {
    String.prototype.indexOf = orig;
  }
  assert.ok(scanned >= 2_000_000 && scanned <= 2 * 2_000_000 + 100, `scanned ${scanned} characters for 2,000,002 received`);
});
