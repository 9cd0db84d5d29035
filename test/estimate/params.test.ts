import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countParams } from '../../src/estimate/params.js';
import { findPreset } from '../../src/estimate/presets.js';
import { modelShapeFromGguf } from '../../src/estimate/gguf-shape.js';
import { shapeFromHfConfig } from '../../src/estimate/hf-config.js';

const p = (name: string) => countParams(findPreset(name)!);

// Exact totals. Published figures: the Hugging Face model pages' safetensors parameter counts and model cards
// (rounded there); the exact integers also appear in the Pythia README table (2,775,208,960) and in the Llama-2
// checkpoint (6,738,415,616). llama.cpp prints "model params = 8.03 B" for Llama-3.1-8B (ggml-org/llama.cpp#8730).
const DENSE: Array<[string, number, string]> = [
  ['llama-3.1-8b', 8_030_261_248, '8.03 B'],
  ['llama-2-7b', 6_738_415_616, '6.74 B'],
  ['mistral-7b-v0.3', 7_248_023_552, '7.25 B'],
  ['qwen2.5-0.5b', 494_032_768, '0.49 B'],
  ['qwen2.5-7b', 7_615_616_512, '7.62 B'], // the model card truncates this to 7.61B
  ['qwen3-4b', 4_022_468_096, '4.02 B'],
  ['gemma-2-9b', 9_241_705_984, '9.24 B'],
  ['phi-3-mini-4k', 3_821_079_552, '3.82 B'],
  ['pythia-2.8b', 2_775_208_960, '2.78 B'],
  ['llama-3.2-1b', 1_235_814_400, '1.24 B'],
];

for (const [name, total, published] of DENSE) {
  test(`${name}: ${published} parameters`, () => {
    const c = p(name);
    assert.equal(c.total, total);
    assert.equal(c.active, total);
    assert.equal((c.total / 1e9).toFixed(2) + ' B', published);
  });
}

test('MoE totals and active counts match the published figures', () => {
  // Mixtral 8x7B: "46.7B total, 12.9B active" (Mistral AI announcement).
  const mixtral = p('mixtral-8x7b');
  assert.deepEqual([mixtral.total, mixtral.active], [46_702_792_704, 12_879_925_248]);
  // Qwen3-30B-A3B model card: 30.5B total, 3.3B activated.
  const q30 = p('qwen3-30b-a3b');
  assert.deepEqual([q30.total, q30.active], [30_532_122_624, 3_353_032_704]);
  // Qwen3-235B-A22B model card: 235B total, 22B activated.
  const q235 = p('qwen3-235b-a22b');
  assert.deepEqual([q235.total, q235.active], [235_093_634_560, 22_190_763_520]);
  // DeepSeek-V3 report: 671B total, 37B activated per token (main model, without the 14B MTP module).
  const ds = p('deepseek-v3');
  assert.deepEqual([ds.total, ds.active], [671_026_419_200, 37_552_297_472]);
});

test('explicit head_dim wins over hidden/heads (Qwen3, Gemma-2) and missing n_kv means MHA (pythia)', () => {
  assert.equal(findPreset('qwen3-32b')!.headDim, 128); // 5120 / 64 = 80 would be wrong
  assert.equal(findPreset('gemma-2-9b')!.headDim, 256); // 3584 / 16 = 224 would be wrong
  assert.equal(findPreset('pythia-2.8b')!.kvHeads, 32);
  assert.equal(findPreset('meta-llama/Llama-3.1-8B-Instruct')!.name, 'llama-3.1-8b');
});

test('DeepSeek config says 128 KV heads, but MLA caches one latent', () => {
  const ds = findPreset('deepseek-v3')!;
  assert.equal(ds.kvHeads, 1);
  assert.deepEqual(ds.mla, { kvLoraRank: 512, qLoraRank: 1536, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 });
});

test('a GGUF shape counts its tensors exactly, and the config formula agrees', async () => {
  const s = await modelShapeFromGguf('../shared/fixtures/models/stories260K.gguf');
  assert.equal(s.exact!.params, 292_800);
  assert.equal(s.exact!.weightBytes, 1_171_200); // all F32
  assert.deepEqual(s.exact!.typeHistogram, { F32: 48 });
  assert.equal(s.tiedEmbeddings, false);
  assert.deepEqual([s.layers, s.hidden, s.heads, s.kvHeads, s.headDim, s.intermediate, s.vocab], [5, 64, 8, 4, 8, 172, 512]);
  const derived = countParams({ ...s, exact: null });
  assert.equal(derived.total, 292_800);
});

test('Gemma-2 alternates local and global layers; Qwen2 ignores its sliding_window unless use_sliding_window', () => {
  const g = findPreset('gemma-2-9b')!;
  assert.deepEqual(g.layerKinds.slice(0, 4), ['sliding', 'full', 'sliding', 'full']);
  assert.equal(g.layerKinds.filter((k) => k === 'sliding').length, 21);
  assert.equal(findPreset('qwen2.5-7b')!.slidingWindow, null);
  const g3 = findPreset('gemma-3-1b')!;
  assert.deepEqual(g3.layerKinds.slice(0, 6), ['sliding', 'sliding', 'sliding', 'sliding', 'sliding', 'full']);
  const viaTypes = shapeFromHfConfig({ model_type: 'x', num_hidden_layers: 3, hidden_size: 8, num_attention_heads: 2, vocab_size: 10, sliding_window: 4, layer_types: ['sliding_attention', 'full_attention', 'linear_attention'] }, 'x');
  assert.deepEqual(viaTypes.layerKinds, ['sliding', 'full', 'linear']);
});
