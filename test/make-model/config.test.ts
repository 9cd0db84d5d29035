import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapHfConfig } from '../../src/engine/make-model/llama-config.js';
import { completeShape, parameterCount, planTensors, type ModelShape } from '../../src/engine/make-model/shape.js';
import { resolveRecipe } from '../../src/engine/make-model/recipe.js';
import { UsageError } from '../../src/core/errors.js';

// Shapes from the models' published config.json files (shared/reference/estimation.md §6).
const llama2_7b = { model_type: 'llama', num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 32, intermediate_size: 11008, vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5, hidden_act: 'silu', tie_word_embeddings: false };
const llama31_8b = { ...llama2_7b, num_key_value_heads: 8, intermediate_size: 14336, vocab_size: 128256, max_position_embeddings: 131072, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } };
const qwen25_05b = { model_type: 'qwen2', num_hidden_layers: 24, hidden_size: 896, num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 4864, vocab_size: 151936, max_position_embeddings: 32768, rms_norm_eps: 1e-6, rope_theta: 1000000, hidden_act: 'silu', tie_word_embeddings: true, use_sliding_window: false, sliding_window: 32768, max_window_layers: 21 };
const mixtral = { model_type: 'mixtral', num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 14336, num_local_experts: 8, num_experts_per_tok: 2, vocab_size: 32000, max_position_embeddings: 32768, rope_theta: 1000000, hidden_act: 'silu', sliding_window: null };

function shapeOf(config: object): ModelShape {
  const m = mapHfConfig(config);
  return completeShape(m.shape as Parameters<typeof completeShape>[0]);
}

test('parameter counts of mapped configs match the published model sizes exactly', () => {
  // Published / llama.cpp-reported counts (estimation.md §2.1): every tensor llama.cpp loads, biases included.
  assert.equal(parameterCount(shapeOf(llama2_7b)), 6_738_415_616);
  assert.equal(parameterCount(shapeOf(llama31_8b)), 8_030_261_248);
  assert.equal(parameterCount(shapeOf(qwen25_05b)), 494_032_768);
  assert.equal(parameterCount(shapeOf(mixtral)), 46_702_792_704);
});

test('qwen2 maps to q/k/v biases and tied embeddings; mixtral to 8 routed experts', () => {
  const q = shapeOf(qwen25_05b);
  assert.deepEqual(
    { heads: q.heads, kvHeads: q.kvHeads, headDim: q.headDim, qkvBias: q.qkvBias, outBias: q.outBias, tied: q.tiedEmbeddings, eps: q.rmsEps, theta: q.ropeTheta, ctx: q.context },
    { heads: 14, kvHeads: 2, headDim: 64, qkvBias: true, outBias: false, tied: true, eps: 1e-6, theta: 1000000, ctx: 32768 },
  );
  const names = planTensors(q).map((t) => t.name);
  assert.equal(names.includes('output.weight'), false);
  assert.deepEqual(names.slice(0, 9), ['token_embd.weight', 'output_norm.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_q.weight', 'blk.0.attn_k.weight', 'blk.0.attn_v.weight', 'blk.0.attn_q.bias', 'blk.0.attn_k.bias', 'blk.0.attn_v.bias']);
  assert.equal(names.length, 2 + 24 * 12);

  const m = shapeOf(mixtral);
  assert.deepEqual([m.experts, m.expertsUsed, m.ffn], [8, 2, 14336]);
  const moe = planTensors(m).filter((t) => t.name.startsWith('blk.0.ffn'));
  assert.deepEqual(moe.map((t) => [t.name, t.dims]), [
    ['blk.0.ffn_norm.weight', [4096]],
    ['blk.0.ffn_gate_inp.weight', [4096, 8]],
    ['blk.0.ffn_gate_exps.weight', [4096, 14336, 8]],
    ['blk.0.ffn_up_exps.weight', [4096, 14336, 8]],
    ['blk.0.ffn_down_exps.weight', [14336, 4096, 8]],
  ]);
});

test('explicit head_dim and llama3 rope scaling: key_length differs from width/heads, note says what was dropped', () => {
  const m = mapHfConfig({ ...llama31_8b, head_dim: 64 });
  assert.equal(m.shape.headDim, 64);
  assert.deepEqual(m.notes, ['rope_scaling llama3 not written: plain RoPE is used, which costs the same per token']);
  const y = mapHfConfig({ ...llama2_7b, rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 4096 } });
  assert.deepEqual(y.shape.ropeScaling, { type: 'yarn', factor: 4, originalContext: 4096 });
});

function refusal(config: object): string {
  try {
    mapHfConfig(config);
  } catch (e) {
    assert.ok(e instanceof UsageError);
    assert.equal(e.exitCode, 2);
    return e.message.split('\n')[0]!;
  }
  assert.fail('expected a refusal');
}

test('shapes llama cannot express are refused naming the field', () => {
  const deepseekV3 = { model_type: 'deepseek_v3', num_hidden_layers: 61, hidden_size: 7168, kv_lora_rank: 512, q_lora_rank: 1536, n_shared_experts: 1, first_k_dense_replace: 3 };
  assert.equal(refusal(deepseekV3), "config.json kv_lora_rank: multi-head latent attention (MLA, DeepSeek-V2/V3 style): llama.cpp's llama architecture cannot express this");
  const gemma3 = { model_type: 'gemma3_text', hidden_activation: 'gelu_pytorch_tanh', layer_types: ['sliding_attention', 'sliding_attention', 'full_attention'], sliding_window: 512 };
  assert.equal(refusal(gemma3), "config.json layer_types: layers of kinds sliding_attention, full_attention (sliding-window or hybrid alternation): llama.cpp's llama architecture cannot express this");
  assert.equal(refusal({ model_type: 'gemma2', sliding_window_pattern: 2 }), "config.json sliding_window_pattern: alternating sliding-window and global attention layers: llama.cpp's llama architecture cannot express this");
  const jamba = { model_type: 'jamba', attn_layer_period: 8, attn_layer_offset: 4, mamba_d_state: 16 };
  assert.equal(refusal(jamba), "config.json mamba_d_state: a Mamba/SSM state-space block (hybrid model): llama.cpp's llama architecture cannot express this");
  assert.equal(refusal({ ...qwen25_05b, model_type: 'qwen2_moe', shared_expert_intermediate_size: 5632, num_experts: 60 }), "config.json shared_expert_intermediate_size: shared experts: llama.cpp's llama architecture cannot express this");
  assert.equal(refusal({ ...qwen25_05b, use_sliding_window: true }), "config.json use_sliding_window: sliding-window attention on some layers (max_window_layers): llama.cpp's llama architecture cannot express this");
  assert.equal(refusal({ ...llama2_7b, model_type: 'qwen3' }), "config.json model_type: model_type \"qwen3\" is not one make-model maps: llama.cpp's llama architecture cannot express this");
  assert.equal(refusal({ ...llama2_7b, hidden_act: 'gelu' }), "config.json hidden_act: activation 'gelu' (llama uses SiLU-gated feed-forward): llama.cpp's llama architecture cannot express this");
  assert.equal(refusal({ ...llama2_7b, rope_scaling: { rope_type: 'longrope', factor: 2 } }), "config.json rope_scaling: rope scaling 'longrope': llama.cpp's llama architecture cannot express this");
});

test('missing and malformed config fields are all reported at once', () => {
  const { num_hidden_layers: _l, intermediate_size: _i, ...rest } = llama2_7b;
  assert.throws(() => mapHfConfig({ ...rest, hidden_size: 'big' }), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.deepEqual(e.problems.map((p) => `${p.where}: ${p.message}`), [
      'config.json num_hidden_layers: missing',
      'config.json hidden_size: must be a whole number ≥ 1 (got "big")',
      'config.json intermediate_size: missing',
    ]);
    return true;
  });
});

test('resolveRecipe: flags override the config, the copied tokenizer sets the vocab, bad shapes are collected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-config-'));
  try {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(qwen25_05b));
    const r = resolveRecipe({ config: path, layers: 2, vocabFrom: '../shared/fixtures/vocab/ggml-vocab-gpt-2.gguf', dtype: 'q8_0', seed: 3 });
    assert.deepEqual([r.recipe.shape.layers, r.recipe.shape.hidden, r.recipe.shape.vocab, r.recipe.shape.tiedEmbeddings], [2, 896, 50257, true]);
    assert.deepEqual(r.notes, ["config vocab_size 151936 replaced by the copied tokenizer's 50257 tokens"]);
    assert.equal(r.recipe.source, path);

    assert.throws(() => resolveRecipe({ heads: 6, kvHeads: 4, hidden: 500, layers: 0 }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.deepEqual(e.problems.map((p) => `${p.where}: ${p.message}`), ['--layers: must be a whole number ≥ 1 (got 0)']);
      return true;
    });
    assert.throws(() => resolveRecipe({ heads: 6, kvHeads: 4, hidden: 500 }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.deepEqual(e.problems.map((p) => `${p.where}: ${p.message}`), [
        '--heads: hidden size 500 is not divisible by 6 heads',
        '--kv-heads: 6 heads are not a multiple of 4 KV heads',
      ]);
      return true;
    });
    assert.throws(() => resolveRecipe({ experts: 4, expertsUsed: 5 }), /--experts-used: must be between 1 and 4 experts \(got 5\)/);
    assert.equal(resolveRecipe({ experts: 4 }).recipe.shape.expertsUsed, 2);
    assert.equal(resolveRecipe({ expertsUsed: 3 }).recipe.shape.expertsUsed, 0);
    assert.throws(() => resolveRecipe({ vocab: 100, vocabFrom: '../shared/fixtures/vocab/ggml-vocab-llama-spm.gguf' }), /--vocab: 100 tokens, but .*ggml-vocab-llama-spm.gguf has 32000/);
    assert.throws(() => resolveRecipe({ vocab: 100 }), /--vocab: the built-in byte-level vocab takes 259 to 866659 tokens \(got 100\)/);
    assert.throws(() => resolveRecipe({ config: join(dir, 'nope.json') }), /--config: cannot read .*nope.json: file not found/);
    assert.throws(() => resolveRecipe({ vocabFrom: path }), /--vocab-from: cannot read .*config.json: not a GGUF file \(the first 4 bytes are not "GGUF"\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
