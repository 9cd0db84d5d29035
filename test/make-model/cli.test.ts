import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { main } from '../../src/cli/main.js';
import { type CliIO } from '../../src/cli/command.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env: {}, cwd: dir, signal: new AbortController().signal };
  const code = await main(['make-model', ...argv], io);
  return { code, stdout, stderr };
}

test('make-model -o writes the shape given by flags and says what it wrote', async () => {
  const r = await cli('--layers', '1', '--hidden', '64', '--heads', '4', '--kv-heads', '1', '--ffn', '64', '--context', '128', '--dtype', 'q8_0', '--seed', '9', '-o', 'tiny.gguf');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, new RegExp(`^wrote ${join(dir, 'tiny.gguf').replace(/[.]/g, '\\.')} \\(0\\.1 MB, 0\\.06 M parameters\\) in [\\d.]+ s$`));
  assert.equal(lines[1], '  llmbench-random-l1-e64-h4-kv1-f64-v259-q8_0: llama, 1 layers, width 64, 4 heads (1 KV, head size 16), FFN 64, context 128');
  assert.equal(lines[2], '  vocab 259 (built-in byte-level), weights q8_0, seed 9');
  assert.equal(lines[3], '  random weights: timings measured with it are real; the text it generates is meaningless');
  const info = await readGgufFileInfo(join(dir, 'tiny.gguf'));
  const llama = info.metadata.llama as unknown as Record<string, unknown>;
  assert.deepEqual([llama.block_count, llama.embedding_length, llama.context_length], [1, 64, 128]);
});

test('--config maps a Mixtral config; flags override it; dropped features become notes', async () => {
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ model_type: 'mixtral', num_hidden_layers: 32, hidden_size: 128, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, num_local_experts: 4, num_experts_per_tok: 2, vocab_size: 32000, max_position_embeddings: 4096, sliding_window: 4096, hidden_act: 'silu' }));
  const r = await cli('--config', 'config.json', '--layers', '1', '--vocab-from', resolve('../shared/fixtures/vocab/ggml-vocab-llama-spm.gguf'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'note: sliding_window 4096 not applied: every layer attends to the full context, as llama.cpp runs Mistral\n');
  const out = join(dir, 'llmbench-random-l1-e128-h4-kv2-f64-x4a2-v32000-f16.gguf');
  assert.ok(existsSync(out));
  const info = await readGgufFileInfo(out);
  const llama = info.metadata.llama as unknown as Record<string, unknown>;
  assert.deepEqual([llama.block_count, llama.expert_count, llama.expert_used_count, llama.context_length], [1, 4, 2, 4096]);
  assert.equal((info.metadata as unknown as { llmbench: { source: string } }).llmbench.source, config);
});

test('refusals and bad flags exit 2 with the field named, and write nothing', async () => {
  const config = join(dir, 'deepseek.json');
  writeFileSync(config, JSON.stringify({ model_type: 'deepseek_v3', kv_lora_rank: 512 }));
  const r = await cli('--config', config, '-o', 'never.gguf');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^llmbench make-model: error \[LLMBENCH_USAGE\]: config\.json kv_lora_rank: multi-head latent attention \(MLA, DeepSeek-V2\/V3 style\): llama\.cpp's llama architecture cannot express this\n  fix: make-model maps llama, mistral, mixtral, qwen2 configs/);
  assert.equal(existsSync(join(dir, 'never.gguf')), false);

  const bad = await cli('--dtype', 'q4_0', '--layers', 'two');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--dtype: 'q4_0' is not one of f32, f16, q8_0/);
  assert.match(bad.stderr, /--layers: 'two' is not a number/);

  const noDir = await cli('-o', join(dir, 'missing', 'm.gguf'));
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /--output: folder .*missing does not exist/);
});

test('a model folder works as --config; a file larger than the free space is refused before writing', async () => {
  const folder = join(dir, 'hf-model');
  mkdirSync(folder);
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ model_type: 'llama', num_hidden_layers: 1, hidden_size: 64, num_attention_heads: 2, intermediate_size: 64 }));
  const ok = await cli('--config', folder, '-o', 'from-folder.gguf');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /llama, 1 layers, width 64, 2 heads \(2 KV, head size 32\), FFN 64, context 4096/);

  // ~3.9e17 bytes: no disk has that.
  const huge = await cli('--layers', '1000', '--hidden', '65536', '--heads', '512', '--ffn', '1000000', '-o', 'huge.gguf');
  assert.equal(huge.code, 3);
  assert.match(huge.stderr, /error \[LLMBENCH_DISK_FULL\]: .*huge\.gguf would take \d+\.\d\d GB but .* has \d+\.\d\d GB free/);
  assert.equal(existsSync(join(dir, 'huge.gguf')), false);
});

test('the same command twice writes byte-identical files', async () => {
  await cli('--layers', '1', '--hidden', '64', '--heads', '2', '--ffn', '32', '-o', 'a.gguf');
  await cli('--layers', '1', '--hidden', '64', '--heads', '2', '--ffn', '32', '-o', 'b.gguf');
  assert.equal(readFileSync(join(dir, 'a.gguf')).equals(readFileSync(join(dir, 'b.gguf'))), true);
});
