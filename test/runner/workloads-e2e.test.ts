import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { loadLocalTokenizer } from '../../src/workloads/local-tokenizer.js';
import { readOnlyRun } from '../support/run-folder.js';

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function server(opts = { tokenize: true }, script = {}) {
  const s = await startScriptedServer({ itlMs: 1, ...script }, opts);
  servers.push(s);
  return s;
}

test('--prompts: plain text and JSONL files, natural length up to --max-tokens, cycling through the file', async () => {
  const s = await server();
  const dir = tempDir();
  writeFileSync(join(dir, 'p.txt'), 'How to learn cuda programming?\n\nVGG is a cnn backbone, introduce it.\nWho was the first president?\n');
  writeFileSync(join(dir, 'p.jsonl'), '{"prompt": "hello"}\n{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]}\n');
  const r = await runCli(['run', '--target', s.url, '--prompts', join(dir, 'p.txt'), '--max-tokens', '5', '--batch', '--out', join(dir, 'a')]);
  assert.equal(r.code, 0, r.stderr);
  const a = readOnlyRun(join(dir, 'a'));
  assert.equal(a.result.scenarios[0]!.id, 'prompts_batch');
  assert.equal(a.records.length, 3);
  const sent = s.requests.filter((q) => q.path === '/v1/chat/completions').slice(-3).map((q) => (q.body.messages as Array<{ content: string }>)[0]!.content).sort();
  assert.deepEqual(sent, ['How to learn cuda programming?', 'VGG is a cnn backbone, introduce it.', 'Who was the first president?']);
  for (const rec of a.records) {
    assert.equal(rec.requested_output_tokens, 5);
    assert.equal(rec.length_forced, null, 'a cap, not an exact length');
    assert.equal(rec.output_short, null);
  }
  const r2 = await runCli(['run', '--target', s.url, '--prompts', join(dir, 'p.jsonl'), '--requests', '4', '--out', join(dir, 'b')]);
  assert.equal(r2.code, 0, r2.stderr);
  const bodies = s.requests.filter((q) => q.path === '/v1/chat/completions').slice(-4).map((q) => q.body.messages);
  assert.deepEqual(bodies[1], [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
  assert.deepEqual(bodies[2], [{ role: 'user', content: 'hello' }]);
  // Warmup requests have negative indexes: they wrap to the end of the file (item 1 of 0..1), then measured ones start at 0.
  const r3 = await runCli(['run', '--target', s.url, '--prompts', join(dir, 'p.jsonl'), '--requests', '2', '--warmup', '1', '--out', join(dir, 'w')]);
  assert.equal(r3.code, 0, r3.stderr);
  const w = readOnlyRun(join(dir, 'w'));
  assert.deepEqual(w.records.map((x) => [x.warmup === true, x.status]), [[true, 'ok'], [false, 'ok'], [false, 'ok']]);
  const warm = s.requests.filter((q) => q.path === '/v1/chat/completions').slice(-3).map((q) => q.body.messages);
  assert.deepEqual(warm[0], [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
  writeFileSync(join(dir, 'bad.jsonl'), '{"prompt": "ok"}\n{"text": 1}\nnot json\n');
  const bad = await runCli(['run', '--target', s.url, '--prompts', join(dir, 'bad.jsonl')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.jsonl:2: needs a "prompt" string or a "messages" array/);
});

test('ranges draw a length per request; --shared-prefix makes every prompt start with the same N tokens', async () => {
  const s = await server();
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--api', 'completions', '--input-tokens', '20-40', '--output-tokens', '2', '--shared-prefix', '8', '--requests', '6', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { records } = readOnlyRun(out);
  assert.equal(records.length, 6);
  const lengths = records.map((x) => x.input_tokens_expected!);
  for (const n of lengths) assert.ok(n >= 20 && n <= 40, `${n}`);
  assert.ok(new Set(lengths).size > 1, 'lengths vary');
  // The scripted tokenizer is one token per word: usage (words + BOS) equals the expected count.
  for (const x of records) assert.equal(x.input_tokens, x.input_tokens_expected);
  // The target's init probe is a completion too (max_tokens 1); the measured requests ask for 2.
  const prompts = s.requests.filter((q) => q.path === '/v1/completions' && q.body.max_tokens === 2).map((q) => String(q.body.prompt).split(' '));
  assert.equal(prompts.length, 6);
  const prefix = prompts[0]!.slice(0, 7).join(' ');
  for (const p of prompts) assert.equal(p.slice(0, 7).join(' '), prefix);
  assert.equal(new Set(prompts.map((p) => p.slice(7, 9).join(' '))).size, 6, 'salted after the prefix');
});

test('--tokenizer with a GGUF vocabulary sizes prompts exactly when the server has no tokenize endpoint', async () => {
  const vocab = resolve('..', 'shared', 'fixtures', 'vocab', 'ggml-vocab-llama-spm.gguf');
  // No usage either: the scripted server's word counts would disagree with a real tokenizer.
  const s = await server({ tokenize: false }, { usage: false });
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--api', 'completions', '--tokenizer', vocab, '--input-tokens', '50', '--output-tokens', '2', '--requests', '2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  assert.match(String((result.scenarios[0]!.workload as { tokenizer: string }).tokenizer), /GGUF vocabulary/);
  const tok = await loadLocalTokenizer(vocab);
  const prompts = s.requests.filter((q) => q.path === '/v1/completions' && q.body.max_tokens === 2).map((q) => String(q.body.prompt));
  assert.equal(prompts.length, 2);
  for (const p of prompts) assert.equal(await tok.countPrompt!(p), 50);
  assert.equal(records.length, 2);
  for (const x of records) assert.equal(x.input_tokens_expected, 50);
  const missing = await runCli(['run', '--target', s.url, '--tokenizer', '/nope/tokenizer.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--tokenizer: \/nope\/tokenizer.json does not exist/);
});

test('--tokenizer with a tokenizer.json (Hugging Face format)', async () => {
  const dir = tempDir();
  const words = ['[UNK]', 'the', 'of', 'and', 'to', 'in', 'a'];
  const vocab: Record<string, number> = Object.fromEntries(words.map((w, i) => [w, i]));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: '[UNK]' } }));
  const tok = await loadLocalTokenizer(join(dir, 'tokenizer.json'));
  assert.deepEqual(await tok.encode('the and a of in'), [1, 3, 6, 2, 5]);
  assert.equal(await tok.decode!([1, 2]), 'the of');
  assert.equal(tok.source, 'local_tokenizer');
});

// A real llama.cpp server, when one was built by hand (docs/servers.md); CI machines have none, so it skips there.
const LLAMA_SERVER = process.env.LLMBENCH_LLAMA_SERVER ?? resolve('..', 'llama.cpp-build', 'bin', 'llama-server');
test('a real llama-server: detected, exact prompt lengths for chat and completions, server timings and metrics', { skip: existsSync(LLAMA_SERVER) ? false : `no llama-server at ${LLAMA_SERVER} (build llama.cpp by hand, or set LLMBENCH_LLAMA_SERVER)`, timeout: 120_000 }, async () => {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child: ChildProcess = spawn(LLAMA_SERVER, ['-m', resolve('..', 'shared', 'fixtures', 'models', 'stories260K.gguf'), '--host', '127.0.0.1', '--port', String(port), '-t', '1', '-c', '2048', '-np', '2', '--metrics'], { stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}`;
    // Loading takes well under a second; 60 s only bounds a hang, and a server that never comes up fails here.
    let healthy = false;
    for (let i = 0; i < 600 && !healthy; i++) {
      healthy = await fetch(`${url}/health`).then((x) => x.ok, () => false);
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(healthy, `llama-server did not answer /health on port ${port} within 60 s`);
    for (const api of ['chat', 'completions']) {
      const out = tempDir();
      const r = await runCli(['run', '--target', url, '--api', api, '--input-tokens', '64,100-140', '--output-tokens', '16', '--requests', '3', '-c', '2', '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /server: llamacpp \(detected by/);
      const { result, records } = readOnlyRun(out);
      assert.equal(result.scenarios.length, 2);
      assert.equal(records.length, 6, 'two lengths × three requests');
      for (const x of records) {
        assert.equal(x.input_tokens, x.input_tokens_expected, `${api}: server processed ${x.input_tokens}, built ${x.input_tokens_expected}`);
        assert.equal(x.output_tokens, 16);
        assert.equal(x.server_timings!.source, 'llamacpp.timings');
      }
      const sc = result.scenarios[0]!;
      assert.equal(typeof sc.metrics.client_minus_server_e2e_ms!.p50, 'number');
      assert.equal((sc.server_metrics as { summary: Record<string, unknown> }).summary.generation_tokens, 48);
    }
  } finally {
    child.kill();
  }
});
