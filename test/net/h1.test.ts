// The plain-http stream transport (src/net/h1.ts) against raw TCP servers that write exact bytes: every way an
// HTTP/1.1 response can be framed, reads split at awkward places, informational heads, keep-alive reuse and its
// refusal, timeouts and a connection lost mid-body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { HttpClient } from '../../src/net/http.js';
import { RequestFailure } from '../../src/core/failure.js';

/** A raw server: `answer` gets each connection's socket and the index of the request on the whole server. */
async function raw(answer: (s: Socket, n: number, conn: number) => void): Promise<{ url: string; conns: () => number; close(): Promise<void> }> {
  let requests = 0;
  let conns = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    const conn = conns++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      // One request per head + content-length body.
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        answer(s, requests++, conn);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    conns: () => conns,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Writes `parts` one by one, each in its own write after a short pause, so they arrive as separate reads. */
async function writeApart(s: Socket, parts: (string | Buffer)[], end = false): Promise<void> {
  for (const p of parts) {
    s.write(p);
    await new Promise((r) => setTimeout(r, 15));
  }
  if (end) s.end();
}

async function get(url: string, opts: { timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  const c = new HttpClient({ baseUrl: url, headers: {}, timeoutMs: opts.timeoutMs ?? 10_000, connections: 4 });
  try {
    return await streamOn(c);
  } finally {
    await c.close();
  }
}

async function streamOn(c: HttpClient): Promise<{ status: number; body: string }> {
  let status = 0;
  const parts: Buffer[] = [];
  await c.stream('/v1/chat/completions', { x: 1 }, new AbortController().signal, { onHeaders: (s) => (status = s), onData: (d) => parts.push(Buffer.from(d)) });
  return { status, body: Buffer.concat(parts).toString('utf8') };
}

async function failure(p: Promise<unknown>): Promise<RequestFailure> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RequestFailure, String(e));
    return e;
  }
  assert.fail('expected a RequestFailure');
}

const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n';

test('chunked bodies split anywhere (inside the head, the size line, the data, the CRLF) arrive whole, trailers read', async () => {
  const event = 'data: {"a":"éx"}\n\n';
  const size = Buffer.byteLength(event).toString(16); // two hex digits: the size line is cut between them
  assert.equal(size.length, 2);
  const ev = Buffer.from(event); // 'é' is bytes 12-13: the read is cut between them
  const s = await raw((sock) => void writeApart(sock, [HEAD.slice(0, 20), HEAD.slice(20) + 'transfer-encoding: chunked\r\n\r\n', size[0]!, Buffer.concat([Buffer.from(`${size[1]};ext=1\r\n`), ev.subarray(0, 13)]), Buffer.concat([ev.subarray(13), Buffer.from('\r')]), '\n5\r\nhello\r\n0\r\nx-trailer: 1\r\n', '\r\n']));
  try {
    assert.deepEqual(await get(s.url), { status: 200, body: 'data: {"a":"éx"}\n\nhello' });
  } finally {
    await s.close();
  }
});

test('content-length and close-delimited bodies; an informational 100 head before the real one is skipped', async () => {
  const s = await raw((sock, n) => {
    if (n === 0) void writeApart(sock, ['HTTP/1.1 100 Continue\r\n\r\n', `${HEAD}content-length: 11\r\n\r\nhello `, 'world']);
    else void writeApart(sock, [`${HEAD}\r\nno `, 'length'], true);
  });
  try {
    assert.deepEqual(await get(s.url), { status: 200, body: 'hello world' });
    assert.deepEqual(await get(s.url), { status: 200, body: 'no length' });
  } finally {
    await s.close();
  }
});

test('keep-alive: sequential requests share one connection; after connection: close a new one is opened', async () => {
  const s = await raw((sock, n) => sock.write(`${HEAD}content-length: 2\r\n${n === 1 ? 'connection: close\r\n' : ''}\r\nr${n}`));
  const c = new HttpClient({ baseUrl: s.url, headers: {}, timeoutMs: 10_000, connections: 4 });
  try {
    assert.equal((await streamOn(c)).body, 'r0');
    assert.equal((await streamOn(c)).body, 'r1');
    assert.equal(s.conns(), 1);
    assert.equal((await streamOn(c)).body, 'r2');
    assert.equal(s.conns(), 2);
  } finally {
    await c.close();
    await s.close();
  }
});

test('a non-2xx answer fails as http with the server\'s message; the connection stays usable', async () => {
  const s = await raw((sock, n) => {
    const body = n === 0 ? '{"error":{"message":"max_tokens is too large"}}' : 'ok';
    sock.write(`HTTP/1.1 ${n === 0 ? '400 Bad Request' : '200 OK'}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  });
  const c = new HttpClient({ baseUrl: s.url, headers: {}, timeoutMs: 10_000, connections: 1 });
  try {
    const f = await failure(streamOn(c));
    assert.equal(f.kind, 'http');
    assert.equal(f.message, 'HTTP 400: max_tokens is too large');
    assert.equal(f.httpStatus, 400);
    assert.equal((await streamOn(c)).body, 'ok');
  } finally {
    await c.close();
    await s.close();
  }
});

test('no head within the timeout, and a stalled body, fail as timeout; a connection lost mid-body as stream', async () => {
  const silent = await raw(() => undefined);
  const stall = await raw((sock) => sock.write(`${HEAD}transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n`));
  const cut = await raw((sock) => void writeApart(sock, [`${HEAD}transfer-encoding: chunked\r\n\r\n5\r\nhel`]).then(() => sock.destroy()));
  try {
    let f = await failure(get(silent.url, { timeoutMs: 300 }));
    assert.equal(f.kind, 'timeout');
    assert.equal(f.message, 'no response headers within --timeout');
    f = await failure(get(stall.url, { timeoutMs: 300 }));
    assert.equal(f.kind, 'timeout');
    assert.equal(f.message, 'stream stalled: no data within --timeout');
    f = await failure(get(cut.url));
    assert.equal(f.kind, 'stream');
    assert.match(f.message, /^connection lost mid-stream/);
  } finally {
    await Promise.all([silent.close(), stall.close(), cut.close()]);
  }
});

test('a refused connection fails as connect; an abort fails as aborted and closes the connection', async () => {
  const s = await raw((sock) => sock.write(`${HEAD}transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n`));
  const port = Number(new URL(s.url).port);
  try {
    const c = new HttpClient({ baseUrl: s.url, headers: {}, timeoutMs: 10_000, connections: 1 });
    const ac = new AbortController();
    const p = c.stream('/x', {}, ac.signal, { onHeaders: () => undefined, onData: () => ac.abort('aborted') });
    const f = await failure(p);
    assert.equal(f.kind, 'aborted');
    await c.close();
  } finally {
    await s.close();
  }
  const f = await failure(get(`http://127.0.0.1:${port}`));
  assert.equal(f.kind, 'connect');
  assert.match(f.message, /^ECONNREFUSED/);
});
