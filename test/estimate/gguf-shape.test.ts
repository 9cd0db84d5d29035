import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type GgufHeader, type GgufTensorInfo, type GgufValue } from '../../src/gguf/reader.js';
import { shapeFromGgufHeader } from '../../src/estimate/gguf-shape.js';
import { estimate } from '../../src/estimate/plan.js';
import { resolveHardware } from '../../src/estimate/hardware.js';

function header(metadata: Record<string, GgufValue>, tensors: Array<Partial<GgufTensorInfo> & { name: string }> = []): GgufHeader {
  return {
    version: 3, littleEndian: true, metadata, metadataTypes: {}, alignment: 32, dataOffset: 0,
    tensors: tensors.map((t) => ({ dims: [1], type: 0, offset: 0, elements: 1, bytes: 4, ...t })),
  };
}

const base = (arch: string, extra: Record<string, GgufValue>) => ({
  'general.architecture': arch, [`${arch}.block_count`]: 6, [`${arch}.embedding_length`]: 1024, [`${arch}.attention.head_count`]: 8,
  [`${arch}.attention.head_count_kv`]: 2, [`${arch}.attention.key_length`]: 128, [`${arch}.attention.value_length`]: 128,
  [`${arch}.feed_forward_length`]: 4096, [`${arch}.vocab_size`]: 1000, [`${arch}.context_length`]: 8192, ...extra,
});

test('sliding-window layers follow llama.cpp set_swa_pattern: il % n < n − 1 slides', () => {
  const g2 = shapeFromGgufHeader(header(base('gemma2', { 'gemma2.attention.sliding_window': 4096 })), 'g2');
  assert.deepEqual(g2.layerKinds, ['sliding', 'full', 'sliding', 'full', 'sliding', 'full']);
  const g3 = shapeFromGgufHeader(header(base('gemma3', { 'gemma3.attention.sliding_window': 512 })), 'g3');
  assert.deepEqual(g3.layerKinds, ['sliding', 'sliding', 'sliding', 'sliding', 'sliding', 'full']);
  const arr = shapeFromGgufHeader(header(base('gemma4', { 'gemma4.attention.sliding_window': 512, 'gemma4.attention.sliding_window_pattern': [true, false, true, true, false, false] })), 'g4');
  assert.deepEqual(arr.layerKinds, ['sliding', 'full', 'sliding', 'sliding', 'full', 'full']);
  const p3 = shapeFromGgufHeader(header(base('cohere2', { 'cohere2.attention.sliding_window': 4096, 'cohere2.attention.sliding_window_pattern': 3 })), 'c');
  assert.deepEqual(p3.layerKinds, ['sliding', 'sliding', 'full', 'sliding', 'sliding', 'full']);
  assert.equal(shapeFromGgufHeader(header(base('llama', {})), 'l').layerKinds.every((k) => k === 'full'), true);
});

test('hybrid GGUF: head_count_kv per layer, 0 on recurrent layers', () => {
  const s = shapeFromGgufHeader(header(base('jamba', { 'jamba.attention.head_count_kv': [0, 0, 0, 8, 0, 0], 'jamba.ssm.inner_size': 2048, 'jamba.ssm.state_size': 16, 'jamba.ssm.conv_kernel': 4 })), 'j');
  assert.deepEqual(s.layerKinds, ['linear', 'linear', 'linear', 'full', 'linear', 'linear']);
  assert.equal(s.kvHeads, 8);
  assert.equal(s.linear!.stateElements, 2048 * 16 + 2048 * 3);
  const mamba = shapeFromGgufHeader(header({ 'general.architecture': 'mamba', 'mamba.block_count': 4, 'mamba.embedding_length': 768, 'mamba.ssm.inner_size': 1536, 'mamba.ssm.state_size': 16, 'mamba.ssm.conv_kernel': 4 }), 'm');
  assert.deepEqual(mamba.layerKinds, ['linear', 'linear', 'linear', 'linear']);
});

test('DeepSeek GGUF with MLA: the cache is the 576-wide latent in K only', () => {
  const s = shapeFromGgufHeader(header(base('deepseek2', {
    'deepseek2.attention.head_count': 128, 'deepseek2.attention.head_count_kv': 1, 'deepseek2.attention.key_length': 576, 'deepseek2.attention.value_length': 512,
    'deepseek2.attention.key_length_mla': 192, 'deepseek2.attention.value_length_mla': 128, 'deepseek2.attention.kv_lora_rank': 512,
    'deepseek2.attention.q_lora_rank': 1536, 'deepseek2.rope.dimension_count': 64,
  })), 'ds');
  assert.deepEqual(s.mla, { kvLoraRank: 512, qLoraRank: 1536, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 });
  const r = estimate({ shape: s, dtype: null, kvDtype: 'f16', hardware: resolveHardware('h200'), devices: 1, tp: 1, engine: 'llamacpp', context: 1000, concurrency: 1, inputTokens: 10, outputTokens: 10, knobs: {} });
  assert.equal(r.kv_cache.bytes_per_token, 6 * 576 * 2);
  assert.equal(r.kv_cache.pool_bytes_per_device, 6 * 576 * 2 * 1000);
});

test('tied embeddings, biases, norms and exact bytes from the tensor table', () => {
  const s = shapeFromGgufHeader(header(base('qwen2', { 'general.file_type': 15 }), [
    { name: 'token_embd.weight', elements: 1_024_000, type: 12, bytes: 576_000 },
    { name: 'blk.0.attn_q.bias', elements: 1024, type: 0, bytes: 4096 },
    { name: 'blk.0.attn_norm.weight', elements: 1024, type: 0, bytes: 4096 },
    { name: 'blk.0.ffn_norm.weight', elements: 1024, type: 0, bytes: 4096 },
    { name: 'blk.0.ffn_gate.weight', elements: 4_194_304, type: 14, bytes: 3_440_640 },
  ]), 'q');
  assert.equal(s.tiedEmbeddings, true);
  assert.equal(s.qkvBias, true);
  assert.equal(s.normsPerLayer, 2);
  assert.equal(s.gatedMlp, true);
  assert.deepEqual(s.exact, { params: 1_024_000 + 3 * 1024 + 4_194_304, weightBytes: 576_000 + 3 * 4096 + 3_440_640, fileType: 'Q4_K_M', typeHistogram: { Q4_K: 1, F32: 3, Q6_K: 1 } });
});
