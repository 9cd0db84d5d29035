import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultThreads } from '../../src/engine/llama/defaults.js';
import { kvCacheBytes, kvShapeFromMetadata } from '../../src/engine/llama/kv-cache.js';
import { renderMetrics, ServeMetrics } from '../../src/engine/serve/metrics.js';
import { ApiError, parseGeneration, parseJsonBody, timingsOf } from '../../src/engine/serve/openai.js';
import { parseArgs } from '../../src/cli/option.js';
import { ENGINE_OPTIONS, flashAttentionSetting } from '../../src/cli/options/engine.js';

test('defaultThreads: 1 on ≤ 2 cores, else cores − 1 capped at math cores', () => {
  assert.equal(defaultThreads(1), 1);
  assert.equal(defaultThreads(2), 1);
  assert.equal(defaultThreads(2, 2), 1);
  assert.equal(defaultThreads(8), 7);
  assert.equal(defaultThreads(8, 4), 4);
  assert.equal(defaultThreads(16, 16), 15);
});

test('kvCacheBytes: layers × cells × (K + V) × element size', () => {
  // Llama-2-7B: 32 layers, 4096 wide, 32 heads (MHA): 0.5 MiB per token in f16.
  const shape = { layers: 32, embedding: 4096, heads: 32, kvHeads: 32 };
  assert.equal(kvCacheBytes(shape, 1, 'f16', 'f16'), 524288);
  assert.equal(kvCacheBytes(shape, 4096, 'q8_0', 'q8_0'), 32 * 4096 * 2 * 4096 * (34 / 32));
  assert.equal(kvCacheBytes(shape, 32, 'q4_0', 'q4_0'), 32 * 32 * 2 * 4096 * (18 / 32));
  assert.deepEqual(kvShapeFromMetadata({ block_count: 5, embedding_length: 64, attention: { head_count: 8, head_count_kv: 4 } }), { layers: 5, embedding: 64, heads: 8, kvHeads: 4, keyLength: null, valueLength: null });
  assert.equal(kvShapeFromMetadata({ block_count: 5 }), null);
});

test('engine options: comma lists, aliases, choices', () => {
  const { args, problems } = parseArgs(['--threads', '1,2', '--context', '512', '--kv-dtype', 'f16,q8_0', '--batch-size', '0'], ENGINE_OPTIONS);
  assert.deepEqual(args.values.threads, [1, 2]);
  assert.deepEqual(args.values.contextSize, [512]);
  assert.deepEqual(args.values.kvCacheType, ['f16', 'q8_0']);
  assert.equal(args.values.flashAttention, 'auto');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /--batch-size must be at least 1/);
  assert.equal(parseArgs(['--kv-cache-type', 'q5_1'], ENGINE_OPTIONS).problems[0]!.message, "'q5_1' is not one of f16, q8_0, q4_0");
  assert.equal(flashAttentionSetting('on'), true);
  assert.equal(flashAttentionSetting('off'), false);
  assert.equal(flashAttentionSetting('auto'), null);
});

test('parseGeneration: OpenAI fields and 400s', () => {
  const g = parseGeneration({ model: 'm', messages: [{ role: 'developer', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }], max_completion_tokens: 5, min_tokens: 2, ignore_eos: true, stream: true, stream_options: { include_usage: true }, seed: 3, temperature: 0 }, 'chat', 100);
  assert.deepEqual(g, { input: { kind: 'chat', messages: [{ role: 'system', content: 'ab' }] }, params: { maxTokens: 5, minTokens: 2, ignoreEos: true, temperature: 0, seed: 3 }, stream: true, includeUsage: true, model: 'm' });
  const bad = (body: Record<string, unknown>, kind: 'chat' | 'completions', param: string | null) =>
    assert.throws(() => parseGeneration(body, kind, 100), (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === param);
  bad({ messages: [] }, 'chat', 'messages');
  bad({ prompt: 'x', n: 2 }, 'completions', 'n');
  bad({ prompt: 'x', max_tokens: 1, min_tokens: 2 }, 'completions', 'min_tokens');
  bad({ prompt: [5, 100] }, 'completions', 'prompt');
  bad({ prompt: 'x', max_tokens: 1.5 }, 'completions', 'max_tokens');
  assert.throws(() => parseJsonBody('[1]'), (e: unknown) => e instanceof ApiError && e.status === 400);
});

test('timingsOf: llama.cpp-style timings from engine measurements', () => {
  const t = timingsOf({ reason: 'length', at: 0, promptTokens: 10, completionTokens: 3, engine: { tokenize_ms: 1, detokenize_ms: 0.5, prefill_ms: 20, decode_steps_ms: [4, 6], queue_ms: 0 } });
  assert.deepEqual(t, { prompt_n: 10, cache_n: 0, prompt_ms: 20, prompt_per_second: 500, predicted_n: 3, predicted_ms: 10, predicted_per_token_ms: 5, predicted_per_second: 200, queue_ms: 0, tokenize_ms: 1, detokenize_ms: 0.5 });
  // One token, no decode step: nothing was measured after prefill, so the decode figures are null, not 0.
  const one = timingsOf({ reason: 'length', at: 0, promptTokens: 10, completionTokens: 1, engine: { tokenize_ms: 1, detokenize_ms: 0.5, prefill_ms: 20, decode_steps_ms: [], queue_ms: 0 } });
  assert.deepEqual([one.predicted_ms, one.predicted_per_token_ms, one.predicted_per_second], [null, null, null]);
});

test('renderMetrics: Prometheus text exposition', () => {
  const m = new ServeMetrics();
  m.running = 1;
  m.generationTokens = 3;
  m.finish('stop');
  m.ttft.observe(0.003);
  m.tpot.observe(0.0002);
  const text = renderMetrics(m, 'tiny');
  assert.match(text, /^# TYPE llmbench:num_requests_running gauge\nllmbench:num_requests_running\{model_name="tiny"\} 1$/m);
  assert.match(text, /^llmbench:generation_tokens_total\{model_name="tiny"\} 3$/m);
  assert.match(text, /^llmbench:request_success_total\{model_name="tiny",finished_reason="stop"\} 1$/m);
  assert.match(text, /^llmbench:time_to_first_token_seconds_bucket\{model_name="tiny",le="0.001"\} 0$/m);
  assert.match(text, /^llmbench:time_to_first_token_seconds_bucket\{model_name="tiny",le="0.005"\} 1$/m);
  assert.match(text, /^llmbench:time_per_output_token_seconds_bucket\{model_name="tiny",le="0.00025"\} 1$/m);
  assert.match(text, /^llmbench:time_to_first_token_seconds_count\{model_name="tiny"\} 1$/m);
  assert.ok(text.endsWith('\n'));
});

test('model references: local paths resolve against cwd; hf:/https are remote; cache under XDG_CACHE_HOME', async () => {
  const { isRemoteModelRef, modelCacheDir, resolveModelRef } = await import('../../src/engine/llama/model-ref.js');
  assert.equal(isRemoteModelRef('hf:ggml-org/models/tinyllamas/stories260K.gguf'), true);
  assert.equal(isRemoteModelRef('https://example.com/m.gguf'), true);
  assert.equal(isRemoteModelRef('./m.gguf'), false);
  assert.equal(await resolveModelRef('m.gguf', '/data'), '/data/m.gguf');
  assert.equal(modelCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/llmbench/models');
});
