import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { makeModel, type ModelRecipe } from '../../src/engine/make-model/make.js';
import { writeGgufFile } from '../../src/gguf/writer.js';
import { completeShape } from '../../src/engine/make-model/shape.js';
import { builtinVocab, vocabFromGguf } from '../../src/engine/make-model/vocab.js';
import { f16BitsToF32, f32ToF16Bits, logitStd, type WeightDtype } from '../../src/engine/make-model/weights.js';

// 2 layers, width 64, 4 heads of 16 (2 KV heads), FFN 80, built-in 259-token vocab.
const shape = completeShape({ layers: 2, hidden: 64, heads: 4, kvHeads: 2, ffn: 80, context: 256, vocab: 259 });
const recipe = (dtype: WeightDtype, seed = 1): ModelRecipe => ({ shape, dtype, seed, vocab: builtinVocab(259) });

const dir = mkdtempSync(join(tmpdir(), 'mm-make-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Data bytes from the shape, by hand (each tensor padded to 32 bytes):
 * f32: token_embd 64·259·4 = 66304, output_norm 256, output 66304;
 *      per layer attn_norm 256 + q 64·64·4 = 16384 + k 8192 + v 8192 + o 16384 + ffn_norm 256 + gate 20480 + up 20480 + down 20480 = 111104.
 * f16: halves of every matrix: 33152 + 256 + 33152 + 2 × (256 + 8192 + 4096 + 4096 + 8192 + 256 + 10240·3).
 * q8_0: rows of 64 are 2 blocks of 34 bytes: token_embd 259·68 = 17612 → 17632, output the same; q 64·68 = 4352, k/v 32·68 = 2176,
 *      o 4352, gate/up 80·68 = 5440; ffn_down has rows of 80 (not a multiple of 32) so it falls back to f16: 80·64·2 = 10240.
 */
const EXPECTED_DATA_BYTES: Record<WeightDtype, number> = {
  f32: 66304 + 256 + 66304 + 2 * 111104,
  f16: 33152 + 256 + 33152 + 2 * (256 + 8192 + 4096 + 4096 + 8192 + 256 + 3 * 10240),
  q8_0: 17632 + 256 + 17632 + 2 * (256 + 4352 + 2176 + 2176 + 4352 + 256 + 5440 + 5440 + 10240),
};

for (const dtype of ['f32', 'f16', 'q8_0'] as const) {
  test(`${dtype}: file size, metadata and tensor shapes are exactly those of the shape`, async () => {
    const path = join(dir, `m-${dtype}.gguf`);
    const made = await makeModel(path, recipe(dtype));
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    assert.equal(statSync(path).size, info.infoEndOffset! + EXPECTED_DATA_BYTES[dtype]);
    assert.equal(made.fileBytes, statSync(path).size);
    assert.equal(made.parameters, 259 * 64 * 2 + 64 + 2 * (64 * 2 + 64 * 64 * 2 + 64 * 32 * 2 + 64 * 80 * 3));

    const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
    assert.equal(md.general!.architecture, 'llama');
    assert.equal(md.general!.name, `llmbench-random-l2-e64-h4-kv2-f80-v259-${dtype}`);
    assert.equal(md.general!.file_type, { f32: 0, f16: 1, q8_0: 7 }[dtype]);
    const llama = md.llama as Record<string, unknown> & { attention: Record<string, unknown>; rope: Record<string, unknown> };
    assert.deepEqual(
      [llama.block_count, llama.embedding_length, llama.feed_forward_length, llama.context_length, llama.vocab_size],
      [2, 64, 80, 256, 259],
    );
    assert.deepEqual([llama.attention.head_count, llama.attention.head_count_kv, llama.rope.dimension_count], [4, 2, 16]);
    assert.equal(Math.fround(llama.attention.layer_norm_rms_epsilon as number), Math.fround(1e-5));
    assert.equal(md.llmbench!.random_weights, true);
    assert.equal(md.llmbench!.seed, 1);

    const F32 = 0, F16 = 1, Q8 = 8;
    const bulk = { f32: F32, f16: F16, q8_0: Q8 }[dtype];
    const tensors = info.fullTensorInfo!.map((t) => [t.name, t.dimensions.map(Number).join('x'), t.ggmlType]);
    assert.deepEqual(tensors.slice(0, 13), [
      ['token_embd.weight', '64x259', bulk],
      ['output_norm.weight', '64', F32],
      ['output.weight', '64x259', bulk],
      ['blk.0.attn_norm.weight', '64', F32],
      ['blk.0.attn_q.weight', '64x64', bulk],
      ['blk.0.attn_k.weight', '64x32', bulk],
      ['blk.0.attn_v.weight', '64x32', bulk],
      ['blk.0.attn_output.weight', '64x64', bulk],
      ['blk.0.ffn_norm.weight', '64', F32],
      ['blk.0.ffn_gate.weight', '64x80', bulk],
      ['blk.0.ffn_up.weight', '64x80', bulk],
      ['blk.0.ffn_down.weight', '80x64', dtype === 'q8_0' ? F16 : bulk],
      ['blk.1.attn_norm.weight', '64', F32],
    ]);
    assert.equal(tensors.length, 3 + 2 * 9);
  });
}

test('same seed gives a byte-identical file; another seed changes only weights and the seed key', async () => {
  const a = join(dir, 'a.gguf'), b = join(dir, 'b.gguf'), c = join(dir, 'c.gguf');
  await makeModel(a, recipe('q8_0', 7));
  await makeModel(b, recipe('q8_0', 7));
  await makeModel(c, recipe('q8_0', 8));
  const [ba, bb, bc] = [readFileSync(a), readFileSync(b), readFileSync(c)];
  assert.equal(ba.equals(bb), true);
  assert.equal(ba.length, bc.length);
  assert.equal(ba.equals(bc), false);
});

test('weights are scaled 1/sqrt(fan_in), norms are 1, end/control output rows are zero', async () => {
  const path = join(dir, 'w.gguf');
  await makeModel(path, recipe('f16', 3));
  const info = await readGgufFileInfo(path, { readTensorInfo: true });
  const file = readFileSync(path);
  const tensor = (name: string) => {
    const t = info.fullTensorInfo!.find((x) => x.name === name)!;
    const n = t.dimensions.map(Number).reduce((x, y) => x * y, 1);
    const start = info.infoEndOffset! + Number(t.offset);
    const bytes = t.ggmlType === 0 ? 4 : 2;
    return Array.from({ length: n }, (_, i) => (bytes === 4 ? file.readFloatLE(start + 4 * i) : f16BitsToF32(file.readUInt16LE(start + 2 * i))));
  };
  const stats = (v: number[]) => {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length), maxAbs: Math.max(...v.map(Math.abs)) };
  };
  const q = stats(tensor('blk.0.attn_q.weight'));
  assert.ok(Math.abs(q.std - 1 / 8) < 0.005, `attn_q std ${q.std}`);
  assert.ok(Math.abs(q.mean) < 0.005, `attn_q mean ${q.mean}`);
  assert.ok(q.maxAbs <= Math.sqrt(3) / 8 + 1e-3, `attn_q max ${q.maxAbs}`);
  const down = stats(tensor('blk.1.ffn_down.weight'));
  assert.ok(Math.abs(down.std - 1 / Math.sqrt(80)) < 0.005, `ffn_down std ${down.std}`);
  assert.deepEqual([...new Set(tensor('blk.0.attn_norm.weight'))], [1]);

  // Suppression (suppress.ts): channel 0 of every embedding is 2·√64 = 16, no layer writes channel 0, suppressed
  // tokens' output rows are (-8, 0, …), every other output row has 0 in channel 0.
  const embd = tensor('token_embd.weight');
  assert.deepEqual([...new Set(Array.from({ length: 259 }, (_, id) => embd[id * 64]))], [16]);
  for (const name of ['blk.0.attn_output.weight', 'blk.1.ffn_down.weight']) assert.deepEqual([...new Set(tensor(name).slice(0, 64))], [0], name);
  const out = tensor('output.weight');
  const row = (id: number) => out.slice(id * 64, id * 64 + 64);
  const suppressed = [...Array.from({ length: 32 }, (_, i) => i).filter((b) => b !== 9 && b !== 10), ...Array.from({ length: 129 }, (_, i) => 0x7f + i), 256, 257, 258];
  for (let id = 0; id < 259; id++) {
    if (suppressed.includes(id)) assert.deepEqual(row(id), [-8, ...new Array(63).fill(0)], `row ${id}`);
    else assert.equal(row(id)[0], 0, `row ${id}`);
  }
  const live = stats([0x41, 0x61, 0x20, 0x0a].flatMap((id) => row(id).slice(1)));
  assert.ok(Math.abs(live.std - logitStd(259) / 8) < 0.06, `output std ${live.std}`);
});

test('f16 conversion rounds to nearest even and saturates to infinity', () => {
  assert.equal(f32ToF16Bits(1), 0x3c00);
  assert.equal(f32ToF16Bits(-2), 0xc000);
  assert.equal(f32ToF16Bits(65504), 0x7bff);
  assert.equal(f32ToF16Bits(70000), 0x7c00);
  assert.equal(f32ToF16Bits(2 ** -24), 0x0001);
  assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00); // halfway between 1 and the next half: rounds to even
  assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(f16BitsToF32(f32ToF16Bits(0.1)), 0.0999755859375);
});

test('--vocab-from copies every tokenizer key unchanged and suppresses end/control tokens', () => {
  const v = vocabFromGguf('../shared/fixtures/vocab/ggml-vocab-phi-3.gguf');
  assert.equal(v.size, 32064);
  assert.deepEqual(v.metadata.map(([k]) => k), [
    'tokenizer.ggml.model', 'tokenizer.ggml.pre', 'tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type',
    'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id', 'tokenizer.ggml.padding_token_id',
    'tokenizer.ggml.add_bos_token', 'tokenizer.ggml.add_eos_token', 'tokenizer.chat_template',
  ]);
  assert.equal(v.hasChatTemplate, true);
  const types = v.metadata.find(([k]) => k === 'tokenizer.ggml.token_type')![1];
  assert.equal(types.type === 'array' && types.itemType, 'int32');
  // Control-typed tokens (<unk> and <s> in this vocab) and the EOS <|endoftext|> (32000); ordinary pieces stay.
  assert.equal(v.suppressed.has(32000), true);
  assert.equal(v.suppressed.has(1), true);
  assert.equal(v.suppressed.has(500), false);
});

test('--vocab-from reads any GGUF with a tokenizer (a whole model too) and refuses one without', async () => {
  const stories = vocabFromGguf('../shared/fixtures/models/stories260K.gguf');
  assert.equal(stories.size, 512);
  assert.equal(stories.hasChatTemplate, false);
  const bare = join(dir, 'bare.gguf');
  await writeGgufFile(bare, [['general.architecture', { type: 'string', value: 'llama' }]], []);
  assert.throws(() => vocabFromGguf(bare), /--vocab-from: .*bare\.gguf has no tokenizer \(tokenizer\.ggml\.model and tokenizer\.ggml\.tokens are missing\)/);
  writeFileSync(bare, readFileSync(bare).subarray(0, 30));
  assert.throws(() => vocabFromGguf(bare), /--vocab-from: cannot read .*bare\.gguf: the file ends inside the header \(at byte \d+\)/);
});
