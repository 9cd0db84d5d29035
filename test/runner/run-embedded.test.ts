import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, tempDir } from '../support/cli.js';
import { startServe } from '../../src/engine/serve/server.js';
import { readOnlyRun } from '../support/run-folder.js';

const STORIES = resolve('..', 'shared', 'fixtures', 'models', 'stories260K.gguf');

test('embedded engine: exact input and output lengths, engine timings, memory and environment in the results', async () => {
  const out = tempDir();
  const r = await runCli(['run', '--model', STORIES, '--input-tokens', '24', '--output-tokens', '12', '--requests', '2', '-c', '1,2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { result, records } = readOnlyRun(out);
  assert.equal(result.target!.kind, 'embedded');
  assert.equal(result.target!.length_forcing, 'engine');
  assert.deepEqual(result.scenarios.map((s) => s.id), ['in24_out12_c1', 'in24_out12_c2']);
  for (const rec of records) {
    assert.equal(rec.status, 'ok');
    assert.equal(rec.input_tokens, 24, 'the prompt the model saw, template included');
    assert.equal(rec.output_tokens, 12);
    assert.equal(rec.output_tokens_chunks, 12);
    assert.equal(rec.engine!.decode_steps_ms!.length, 11);
    assert.equal(typeof rec.engine!.prefill_ms, 'number');
  }
  const s = result.scenarios[1]!;
  assert.equal(s.metrics.engine_decode_step_ms!.n, 22);
  const mem = s.memory as Record<string, number | null>;
  assert.ok(mem.peak_rss_bytes! > 1e6);
  assert.ok(mem.kv_cache_bytes! > 0);
  assert.equal(mem.engine_vram_bytes, null);
  const env = result.environment.engine as Record<string, unknown>;
  assert.equal(env.threads, 1);
  assert.equal(env.backend, 'CPU');
  assert.equal(env.llama_cpp_release, 'v0.4.0');
});

test('engine settings multiply the grid; a corrupt model fails its scenarios, the others run and are saved (exit 4)', async () => {
  const dir = tempDir();
  const corrupt = join(dir, 'corrupt.gguf');
  writeFileSync(corrupt, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64, 7)]));
  const copy = join(dir, 'stories.gguf');
  copyFileSync(STORIES, copy);
  const out = join(dir, 'out');
  const r = await runCli(['run', '--model', `${corrupt},${copy}`, '--context-size', '256,512', '--input-tokens', '8', '--output-tokens', '4', '--requests', '1', '--out', out]);
  assert.equal(r.code, 4, r.stderr);
  const { result } = readOnlyRun(out);
  assert.deepEqual(
    result.scenarios.map((s) => [s.id, s.status]),
    [
      ['mcorrupt_ctx256_in8_out4_c1', 'failed'],
      ['mcorrupt_ctx512_in8_out4_c1', 'failed'],
      ['mstories_ctx256_in8_out4_c1', 'ok'],
      ['mstories_ctx512_in8_out4_c1', 'ok'],
    ],
  );
  assert.equal(result.scenarios[0]!.error!.code, 'LLMBENCH_ENGINE_LOAD_FAILED');
  assert.deepEqual(result.scenarios[3]!.dims, { model: copy, context_size: 512, kv_cache_type: 'f16', input_tokens: '8', output_tokens: '4', concurrency: 1 });
});

test('zero setup: with no --target and no --model a random-weights model is made once, cached, and said to be random', async () => {
  const cache = tempDir();
  const out = tempDir();
  const r = await runCli(['run', '--input-tokens', '32', '--output-tokens', '4', '--requests', '1', '--out', out], { env: { LLMBENCH_CACHE_DIR: cache } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /made the default model/);
  assert.match(r.stderr, /the timings are real, the generated text is meaningless/);
  const { result } = readOnlyRun(out);
  assert.equal(result.target!.random_weights, true);
  assert.equal(result.warnings[0]!.code, 'RANDOM_WEIGHTS');
  assert.equal(readdirSync(cache).filter((f) => f.endsWith('.gguf')).length, 1);
  const again = await runCli(['run', '--input-tokens', '32', '--output-tokens', '4', '--requests', '1', '--out', tempDir()], { env: { LLMBENCH_CACHE_DIR: cache } });
  assert.equal(again.code, 0);
  assert.doesNotMatch(again.stderr, /made the default model/);
});

test('llmbench serve + run --target round trip: detected, exact lengths from its /tokenize, usage-based counts', async () => {
  const srv = await startServe({ modelPath: STORIES, port: 0, parallel: 2 });
  try {
    const out = tempDir();
    const r = await runCli(['run', '--target', srv.url, '--input-tokens', '20', '--output-tokens', '10', '--requests', '4', '-c', '2', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const { result, records } = readOnlyRun(out);
    assert.equal(result.scenarios[0]!.summary.requests_ok, 4);
    for (const rec of records) {
      assert.equal(rec.input_tokens, 20);
      assert.equal(rec.input_tokens_source, 'usage');
      assert.equal(rec.output_tokens, 10);
      assert.equal(rec.output_short, false);
    }
    assert.equal(result.scenarios[0]!.token_check.short, 0);
  } finally {
    await srv.close();
  }
});

test('engine options with --target are a usage error', async () => {
  const r = await runCli(['run', '--target', 'http://127.0.0.1:9', '--threads', '2', '--kv-dtype', 'q8_0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--threads: applies to the embedded engine only/);
  assert.match(r.stderr, /--kv-cache-type: applies to the embedded engine only/);
});

test('embedded engine: the raw prompt by default (3-token inputs exist), the chat template with --api chat; both exact', async () => {
  const out = tempDir();
  const r = await runCli(['run', '--model', STORIES, '--input-tokens', '3', '--output-tokens', '5', '--requests', '2', '--out', join(out, 'raw')]);
  assert.equal(r.code, 0, r.stderr);
  for (const rec of readOnlyRun(join(out, 'raw')).records) assert.deepEqual([rec.input_tokens, rec.output_tokens], [3, 5]);
  const c = await runCli(['run', '--model', STORIES, '--api', 'chat', '--input-tokens', '40', '--output-tokens', '5', '--requests', '2', '--out', join(out, 'chat')]);
  assert.equal(c.code, 0, c.stderr);
  const chat = readOnlyRun(join(out, 'chat'));
  for (const rec of chat.records) assert.deepEqual([rec.input_tokens, rec.output_tokens], [40, 5]);
  assert.ok(((chat.result.scenarios[0]!.workload as { template_overhead_tokens: number }).template_overhead_tokens) > 0);
});

test('an --engine-cpus list the process may not use is a warning in the output and the results, and the run goes on', async () => {
  const out = tempDir();
  const r = await runCli(['run', '--model', STORIES, '--input-tokens', '8', '--output-tokens', '2', '--requests', '1', '--engine-cpus', '4000', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: engine not pinned: --engine-cpus 4000: CPU 4000 is not among the CPUs this process may use/);
  const { result } = readOnlyRun(out);
  assert.equal((result.environment.engine as Record<string, unknown>).engine_cpus, null);
  assert.ok(result.warnings.some((w) => w.code === 'ENGINE_CPUS_NOT_PINNED'), JSON.stringify(result.warnings));
});
