// Transport hardening under a real target: content types that are not streams, compressed answers the client never
// asked for, and an endless line that must stop the read at the --max-event-bytes cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startScripted } from '../support/servers/base.js';
import { okHandler } from '../support/servers/openai-compat.js';
import { chat, send, sendFailing, target } from '../support/adapters.js';

const MODELS = okHandler('GET', '/v1/models', { object: 'list', data: [{ id: 'm', owned_by: 'acme' }] });
const STREAM = ['data: {"choices":[{"index":0,"delta":{"content":" w0"}}]}', 'data: {"choices":[{"index":0,"delta":{"content":" w1"},"finish_reason":"length"}]}', 'data: [DONE]'].map((l) => `${l}\n\n`).join('');

function answer(headers: Record<string, string>, body: Buffer | string) {
  return (_req: unknown, res: ServerResponse, _b: unknown, path: string) => {
    if (path !== '/v1/chat/completions') return false;
    res.writeHead(200, headers);
    res.end(body);
    return true;
  };
}

async function withServer(handler: ReturnType<typeof answer>, fn: (url: string) => Promise<void>): Promise<void> {
  const s = await startScripted([MODELS, handler]);
  try {
    await fn(s.url);
  } finally {
    await s.close();
  }
}

test('a 200 answer that is not a stream type fails as http with the type and the first bytes', async () => {
  const page = `<html><body>502 Bad Gateway${' '.repeat(500)}</body></html>`;
  await withServer(answer({ 'content-type': 'text/html; charset=utf-8' }, page), async (url) => {
    const t = await target(url, 'openai', 'chat');
    const f = await sendFailing(t, chat({ force_length: false }));
    assert.equal(f.kind, 'http');
    assert.equal(f.message, `unexpected content-type text/html: ${page.slice(0, 200)}`);
    await t.close();
  });
  for (const type of ['text/event-stream; charset=utf-8', 'application/x-ndjson', 'application/json', 'application/jsonl', 'text/plain']) {
    await withServer(answer({ 'content-type': type }, STREAM), async (url) => {
      const t = await target(url, 'openai', 'chat');
      assert.equal((await send(t, chat({ force_length: false }))).text, ' w0 w1', type);
      await t.close();
    });
  }
});

test('gzip, deflate and br answers are decoded; another encoding fails as http', async () => {
  const encoded: Record<string, Buffer> = { gzip: gzipSync(STREAM), deflate: deflateSync(STREAM), br: brotliCompressSync(STREAM) };
  for (const [enc, body] of Object.entries(encoded)) {
    await withServer(answer({ 'content-type': 'text/event-stream', 'content-encoding': enc }, body), async (url) => {
      const t = await target(url, 'openai', 'chat');
      const r = await send(t, chat({ force_length: false }));
      assert.equal(r.text, ' w0 w1', enc);
      assert.deepEqual(r.finishes, ['length']);
      await t.close();
    });
  }
  await withServer(answer({ 'content-type': 'text/event-stream', 'content-encoding': 'zstd' }, STREAM), async (url) => {
    const t = await target(url, 'openai', 'chat');
    const f = await sendFailing(t, chat({ force_length: false }));
    assert.equal(f.kind, 'http');
    assert.equal(f.message, 'unsupported content-encoding zstd');
    await t.close();
  });
});

test('an endless line fails at the --max-event-bytes cap and the client stops reading', async () => {
  let written = 0;
  let closed!: () => void;
  const gone = new Promise<void>((r) => (closed = r));
  const endless = (_req: unknown, res: ServerResponse, _b: unknown, path: string) => {
    if (path !== '/v1/chat/completions') return false;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"index":0,"delta":{"content":"');
    const piece = 'x'.repeat(4096);
    const more = () => {
      if (res.destroyed || written > 64 << 20) return closed();
      written += piece.length;
      if (res.write(piece)) setImmediate(more);
      else res.once('drain', more);
    };
    res.once('close', () => closed());
    more();
    return true;
  };
  await withServer(endless, async (url) => {
    const t = await target(url, 'openai', 'chat', { maxEventBytes: 1 << 20 });
    const f = await sendFailing(t, chat({ force_length: false }));
    assert.equal(f.kind, 'parse');
    assert.match(f.message, /--max-event-bytes \(1048576 bytes\)/);
    await t.close();
    await gone;
    // The server stopped because the client hung up, long before its 64 MiB (socket buffers hold a few MiB at most).
    assert.ok(written < 32 << 20, `server wrote ${written} bytes`);
  });
});
