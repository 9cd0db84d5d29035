/**
 * A server that can count tokens but not turn ids back into text must not stop a run (issue 11): exact-length
 * prompts are then built by resizing text and re-counting, and results.json says so (workload.length_method).
 * The server here is the scripted one behind a small proxy that answers /detokenize itself: a 404 (llama.cpp
 * builds and proxies without it), or a 200 whose body is not JSON.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult } from '../../src/core/result.js';
import { type RequestRecord } from '../../src/core/record.js';

type Detokenize = 'missing' | 'not-json';

/** Forwards everything to `upstream` except POST /detokenize, which fails as `mode` says; counts those calls. */
async function countOnlyProxy(upstream: string, mode: Detokenize): Promise<{ url: string; detokenizeCalls: () => number; close(): Promise<void> }> {
  let calls = 0;
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] === '/detokenize') {
      calls++;
      req.resume();
      if (mode === 'missing') res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"File Not Found"}}');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>detokenizer offline</body></html>');
      return;
    }
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    detokenizeCalls: () => calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers) await c();
});

function readRun(out: string): { result: RunResult; records: RequestRecord[] } {
  const dir = join(out, readdirSync(out)[0]!);
  return {
    result: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult,
    records: readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord),
  };
}

for (const [mode, status] of [['missing', 404], ['not-json', 200]] as const) {
  test(`/tokenize without a working /detokenize (${mode}, HTTP ${status}): exact prompts by re-counting, method recorded`, async () => {
    const s: ScriptedServer = await startScriptedServer({ itlMs: 1 }, { tokenize: true });
    closers.push(() => s.close());
    const p = await countOnlyProxy(s.url, mode);
    closers.push(() => p.close());
    const out = tempDir();
    const r = await runCli(['run', '--target', p.url, '--input-tokens', '12,30', '--output-tokens', '4', '--requests', '3', '--out', out, '--no-history']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /LLMBENCH_INTERNAL|detokenize failed: HTTP \d+\n\s+at /);
    const { result, records } = readRun(out);
    assert.deepEqual(result.scenarios.map((x) => [x.id, x.status, x.summary.requests_ok]), [['in12_out4_c1', 'ok', 3], ['in30_out4_c1', 'ok', 3]]);
    for (const sc of result.scenarios) {
      assert.equal(sc.workload.length_method, 'recount');
      assert.equal(sc.workload.note, `the tokenizer could not decode (${sc.workload.tokenizer} offers no working detokenize): exact-length prompts were built by resizing text and re-counting`);
    }
    // Every prompt is exactly the asked length, as the server counted it (usage.prompt_tokens: words + 2 template tokens).
    assert.equal(records.length, 6);
    for (const rec of records) {
      const want = rec.scenario_id.startsWith('in12') ? 12 : 30;
      assert.equal(rec.input_tokens_expected, want);
      assert.equal(rec.input_tokens, want);
    }
    // /detokenize is tried once, when the target is probed; a tokenizer without it is never asked to decode.
    assert.equal(p.detokenizeCalls(), 1);
  });
}

test('a server whose /detokenize works: prompts are cut and decoded (length_method decode, no note)', async () => {
  const s = await startScriptedServer({ itlMs: 1 }, { tokenize: true });
  closers.push(() => s.close());
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--input-tokens', '12', '--output-tokens', '4', '--requests', '2', '--out', out, '--no-history']);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readRun(out);
  assert.equal(result.scenarios[0]!.workload.length_method, 'decode');
  assert.equal(result.scenarios[0]!.workload.note, null);
  assert.deepEqual(records.map((x) => x.input_tokens), [12, 12]);
  assert.ok(s.requests.some((q) => q.path === '/detokenize'));
});
