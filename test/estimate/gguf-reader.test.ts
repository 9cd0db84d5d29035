import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { parseGgufHeader, readGgufHeader } from '../../src/gguf/reader.js';
import { GGUF_VALUE_TYPE as T } from '../../src/gguf/format.js';
import { GGML_TYPES, bitsPerWeight, ggmlTypeByName, tensorBytes } from '../../src/gguf/ggml-types.js';
import { LlmbenchError } from '../../src/core/errors.js';

const STORIES = '../shared/fixtures/models/stories260K.gguf';

test('stories260K: metadata, tensor table and data offset from the header alone', async () => {
  const h = await readGgufHeader(STORIES);
  assert.equal(h.version, 3);
  assert.equal(h.littleEndian, true);
  assert.equal(h.metadata['general.architecture'], 'llama');
  assert.equal(h.metadata['llama.block_count'], 5);
  assert.equal(h.metadata['llama.embedding_length'], 64);
  assert.equal(h.metadata['llama.feed_forward_length'], 172);
  assert.equal(h.metadata['llama.attention.head_count'], 8);
  assert.equal(h.metadata['llama.attention.head_count_kv'], 4);
  assert.equal(h.metadata['llama.context_length'], 2048);
  // u32 max is a real value here (no separator token), not a sign-extended -1.
  assert.equal(h.metadata['tokenizer.ggml.seperator_token_id'], 4294967295);
  const tokens = h.metadata['tokenizer.ggml.tokens'] as string[];
  assert.equal(tokens.length, 512);
  assert.deepEqual(tokens.slice(0, 3), ['<unk>', '<s>', '</s>']);
  assert.deepEqual(h.metadataTypes['tokenizer.ggml.scores'], { type: T.array, elementType: T.float32 });
  assert.equal(h.tensors.length, 48);
  assert.deepEqual(h.tensors[0], { name: 'token_embd.weight', dims: [64, 512], type: 0, offset: 0, elements: 32768, bytes: 131072 });
  assert.deepEqual(h.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')?.dims, [172, 64]);
  assert.equal(h.alignment, 32);
  assert.equal(h.dataOffset, 14176);
  // The last tensor ends exactly at the end of the file: offsets, sizes and alignment all agree.
  const last = h.tensors[h.tensors.length - 1]!;
  assert.equal(h.dataOffset + last.offset + last.bytes!, statSync(STORIES).size);
  // embd + output 2 × 512 × 64, final norm 64, 5 layers × (q 64² + k,v 2 × 64 × 32 + o 64² + 3 × 64 × 172 + 2 norms × 64)
  assert.equal(h.tensors.reduce((a, t) => a + t.elements, 0), 2 * 32768 + 64 + 5 * (4096 + 4096 + 4096 + 33024 + 128));
});

test('vocab files larger than the first 1 MiB read are parsed whole (header-only files, no tensors)', async () => {
  const gpt2 = await readGgufHeader('../shared/fixtures/vocab/ggml-vocab-gpt-2.gguf');
  assert.equal(gpt2.tensors.length, 0);
  assert.equal((gpt2.metadata['tokenizer.ggml.tokens'] as string[]).length, 50257);
  assert.equal((gpt2.metadata['tokenizer.ggml.merges'] as string[]).length, 50000);
  const phi3 = await readGgufHeader('../shared/fixtures/vocab/ggml-vocab-phi-3.gguf');
  assert.equal(phi3.metadata['phi3.block_count'], 32);
  assert.equal(phi3.metadata['general.file_type'], 1);
  assert.equal(phi3.metadata['tokenizer.ggml.add_bos_token'], true);
  assert.match(String(phi3.metadata['tokenizer.chat_template']), /<\|assistant\|>/);
});

/** A tiny GGUF writer for the value types the fixtures do not contain. */
function build(version: number, le: boolean, kvs: Array<[string, number, (w: W) => void]>, tensors: Array<[string, number[], number, number]>): Buffer {
  const w = new W(le, version >= 2);
  w.raw(Buffer.from('GGUF', 'latin1'));
  w.u32(version);
  w.count(tensors.length);
  w.count(kvs.length);
  for (const [k, type, val] of kvs) {
    w.str(k);
    w.u32(type);
    val(w);
  }
  for (const [name, dims, type, offset] of tensors) {
    w.str(name);
    w.u32(dims.length);
    for (const d of dims) w.count(d);
    w.u32(type);
    w.count(offset);
  }
  return w.done();
}

class W {
  parts: Buffer[] = [];
  constructor(readonly le: boolean, readonly wide: boolean) {}
  raw(b: Buffer) { this.parts.push(b); }
  private num(n: number, f: (b: Buffer) => void) { const b = Buffer.alloc(n); f(b); this.parts.push(b); }
  u8(v: number) { this.num(1, (b) => b.writeUInt8(v)); }
  i8(v: number) { this.num(1, (b) => b.writeInt8(v)); }
  u16(v: number) { this.num(2, (b) => (this.le ? b.writeUInt16LE(v) : b.writeUInt16BE(v))); }
  i16(v: number) { this.num(2, (b) => (this.le ? b.writeInt16LE(v) : b.writeInt16BE(v))); }
  u32(v: number) { this.num(4, (b) => (this.le ? b.writeUInt32LE(v) : b.writeUInt32BE(v))); }
  i32(v: number) { this.num(4, (b) => (this.le ? b.writeInt32LE(v) : b.writeInt32BE(v))); }
  f32(v: number) { this.num(4, (b) => (this.le ? b.writeFloatLE(v) : b.writeFloatBE(v))); }
  f64(v: number) { this.num(8, (b) => (this.le ? b.writeDoubleLE(v) : b.writeDoubleBE(v))); }
  u64(v: bigint) { this.num(8, (b) => (this.le ? b.writeBigUInt64LE(v) : b.writeBigUInt64BE(v))); }
  i64(v: bigint) { this.num(8, (b) => (this.le ? b.writeBigInt64LE(v) : b.writeBigInt64BE(v))); }
  count(v: number) { if (this.wide) this.u64(BigInt(v)); else this.u32(v); }
  str(s: string) { const b = Buffer.from(s, 'utf8'); this.count(b.length); this.raw(b); }
  done() { return Buffer.concat(this.parts); }
}

const EVERY_TYPE: Array<[string, number, (w: W) => void]> = [
  ['u8', T.uint8, (w) => w.u8(250)],
  ['i8', T.int8, (w) => w.i8(-5)],
  ['u16', T.uint16, (w) => w.u16(65000)],
  ['i16', T.int16, (w) => w.i16(-300)],
  ['u32', T.uint32, (w) => w.u32(4_000_000_000)],
  ['i32', T.int32, (w) => w.i32(-70000)],
  ['f32', T.float32, (w) => w.f32(0.5)],
  ['bool', T.bool, (w) => w.u8(1)],
  ['str', T.string, (w) => w.str('héllo')],
  ['u64', T.uint64, (w) => w.u64(2n ** 60n)],
  ['i64', T.int64, (w) => w.i64(-42n)],
  ['f64', T.float64, (w) => w.f64(-1.25)],
  ['general.alignment', T.uint32, (w) => w.u32(64)],
  ['nested', T.array, (w) => { w.u32(T.array); w.count(2); for (const n of [1, 2]) { w.u32(T.int32); w.count(n); for (let i = 0; i < n; i++) w.i32(i + 7); } }],
  ['strs', T.array, (w) => { w.u32(T.string); w.count(2); w.str('a'); w.str(''); }],
];

const EXPECTED = {
  u8: 250, i8: -5, u16: 65000, i16: -300, u32: 4_000_000_000, i32: -70000, f32: 0.5, bool: true, str: 'héllo',
  u64: 2n ** 60n, i64: -42, f64: -1.25, 'general.alignment': 64, nested: [[7], [7, 8]], strs: ['a', ''],
};

for (const [version, le] of [[3, true], [3, false], [2, true], [1, true]] as const) {
  test(`every metadata value type, GGUF v${version} ${le ? 'little' : 'big'}-endian`, () => {
    const buf = build(version, le, EVERY_TYPE, [['w', [256, 3], 12, 0], ['n', [256], 0, 448]]);
    const h = parseGgufHeader(buf);
    assert.equal(h.version, version);
    assert.equal(h.littleEndian, le);
    assert.deepEqual(h.metadata, EXPECTED);
    assert.equal(h.alignment, 64);
    assert.equal(h.dataOffset, Math.ceil(buf.length / 64) * 64);
    // Q4_K: 3 blocks of 256 at 144 bytes.
    assert.deepEqual(h.tensors[0], { name: 'w', dims: [256, 3], type: 12, offset: 0, elements: 768, bytes: 432 });
    assert.equal(h.tensors[1]!.bytes, 1024);
  });
}

test('bad files fail with a clear error', async () => {
  assert.throws(() => parseGgufHeader(Buffer.from('GGML\x03\x00\x00\x00', 'latin1')), /not a GGUF file/);
  assert.throws(() => parseGgufHeader(build(4, true, [], [])), /version 4 is not supported/);
  const full = build(3, true, EVERY_TYPE, []);
  assert.throws(() => parseGgufHeader(full.subarray(0, full.length - 3)), /ends inside the header/);
  await assert.rejects(readGgufHeader('../shared/fixtures/transcripts/none.gguf'), (e: unknown) => e instanceof LlmbenchError && e.exitCode === 2);
});

test('ggml type table matches sizeof(block_*) in ggml-common.h', () => {
  // [name, id, elements per block, bytes per block]: from ggml.h enum ggml_type and sizeof() of each block struct.
  const rows: Array<[string, number, number, number]> = [
    ['F32', 0, 1, 4], ['F16', 1, 1, 2], ['Q4_0', 2, 32, 18], ['Q4_1', 3, 32, 20], ['Q5_0', 6, 32, 22], ['Q5_1', 7, 32, 24],
    ['Q8_0', 8, 32, 34], ['Q8_1', 9, 32, 36], ['Q2_K', 10, 256, 84], ['Q3_K', 11, 256, 110], ['Q4_K', 12, 256, 144],
    ['Q5_K', 13, 256, 176], ['Q6_K', 14, 256, 210], ['Q8_K', 15, 256, 292], ['IQ2_XXS', 16, 256, 66], ['IQ2_XS', 17, 256, 74],
    ['IQ3_XXS', 18, 256, 98], ['IQ1_S', 19, 256, 50], ['IQ4_NL', 20, 32, 18], ['IQ3_S', 21, 256, 110], ['IQ2_S', 22, 256, 82],
    ['IQ4_XS', 23, 256, 136], ['I8', 24, 1, 1], ['I16', 25, 1, 2], ['I32', 26, 1, 4], ['I64', 27, 1, 8], ['F64', 28, 1, 8],
    ['IQ1_M', 29, 256, 56], ['BF16', 30, 1, 2], ['TQ1_0', 34, 256, 54], ['TQ2_0', 35, 256, 66], ['MXFP4', 39, 32, 17],
    ['NVFP4', 40, 64, 36], ['Q1_0', 41, 128, 18], ['Q2_0', 42, 64, 18],
  ];
  assert.deepEqual(GGML_TYPES.map((t) => [t.name, t.id, t.blockSize, t.typeSize]), rows);
  assert.equal(bitsPerWeight(ggmlTypeByName('q4_k')!), 4.5);
  assert.equal(bitsPerWeight(ggmlTypeByName('q6_k')!), 6.5625);
  assert.equal(tensorBytes(ggmlTypeByName('q8_0')!, 4096 * 4096), 17_825_792);
});
