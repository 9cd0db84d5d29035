import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveModelRef } from '../../src/engine/llama/model-ref.js';
import { SetupError } from '../../src/core/errors.js';
import { STORIES } from './helpers.js';

/** A local file server standing in for a model host: remote references go through node-llama-cpp's downloader. */
async function serve(body: Buffer, requests: string[]): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    if (!req.url?.endsWith('/stories260K.gguf')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

test('a URL model reference is downloaded once into the cache folder, byte for byte', async () => {
  const body = readFileSync(STORIES);
  const requests: string[] = [];
  const { server, base } = await serve(body, requests);
  try {
    const cache = mkdtempSync(join(tmpdir(), 'llmbench-models-'));
    const path = await resolveModelRef(`${base}/models/stories260K.gguf`, '/unused', { XDG_CACHE_HOME: cache });
    assert.equal(path, join(cache, 'llmbench', 'models', 'stories260K.gguf'));
    assert.ok(readFileSync(path).equals(body));
    const downloads = requests.length;
    assert.equal(await resolveModelRef(`${base}/models/stories260K.gguf`, '/unused', { XDG_CACHE_HOME: cache }), path);
    // The second resolve asks the server only for the file's name (node-llama-cpp), never for its bytes again.
    assert.ok(requests.slice(downloads).every((r) => !r.includes('bytes=')), requests.join('\n'));
  } finally {
    server.close();
  }
});

test('a reference that cannot be fetched is a setup error naming it, with the fix', async () => {
  const requests: string[] = [];
  const { server, base } = await serve(Buffer.alloc(0), requests);
  try {
    const cache = mkdtempSync(join(tmpdir(), 'llmbench-models-'));
    const ref = `${base}/models/missing.gguf`;
    await assert.rejects(resolveModelRef(ref, '/unused', { XDG_CACHE_HOME: cache }), (err: unknown) => {
      assert.ok(err instanceof SetupError);
      assert.equal(err.code, 'LLMBENCH_MODEL_DOWNLOAD_FAILED');
      assert.ok(err.message.startsWith(`could not resolve ${ref}: `), err.message);
      assert.match(err.hint ?? '', /download the GGUF and pass its path/);
      return true;
    });
  } finally {
    server.close();
  }
});
