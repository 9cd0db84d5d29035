import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { layoutGguf, writeGgufFile, type GgufMetadata, type GgufTensor } from '../../src/gguf/writer.js';
import { readGgufHeaderFile, typedMetadata } from '../../src/gguf/reader.js';
import { ggmlTypeByName } from '../../src/gguf/ggml-types.js';

const F32 = ggmlTypeByName('f32')!;
const F16 = ggmlTypeByName('f16')!;
const Q8_0 = ggmlTypeByName('q8_0')!;

const everyType: GgufMetadata = [
  ['t.u8', { type: 'uint8', value: 200 }],
  ['t.i8', { type: 'int8', value: -100 }],
  ['t.u16', { type: 'uint16', value: 60000 }],
  ['t.i16', { type: 'int16', value: -30000 }],
  ['t.u32', { type: 'uint32', value: 4000000000 }],
  ['t.i32', { type: 'int32', value: -2000000000 }],
  ['t.f32', { type: 'float32', value: 0.5 }],
  ['t.bool', { type: 'bool', value: true }],
  ['t.str', { type: 'string', value: 'héllo' }],
  ['t.u64', { type: 'uint64', value: 2n ** 60n }],
  ['t.i64', { type: 'int64', value: -5 }],
  ['t.f64', { type: 'float64', value: 1.25 }],
  ['t.arr_i32', { type: 'array', itemType: 'int32', values: [1, -2, 3] }],
  ['t.arr_str', { type: 'array', itemType: 'string', values: ['a', 'bc', ''] }],
  ['t.arr_bool', { type: 'array', itemType: 'bool', values: [true, false] }],
  ['t.arr_f32', { type: 'array', itemType: 'float32', values: new Float32Array([1.5, -2]) }],
];

function bytesTensor(name: string, dims: number[], type = F32, fill = 1): GgufTensor {
  const n = (dims.reduce((a, b) => a * b, 1) / type.blockSize) * type.typeSize;
  return { name, dims, type, data: () => [new Uint8Array(n).fill(fill)] };
}

test('header bytes of a minimal file are exactly the GGUF v3 layout', () => {
  const layout = layoutGguf([['k', { type: 'uint32', value: 7 }]], [bytesTensor('w', [3], F32)]);
  const expected = [
    ...[0x47, 0x47, 0x55, 0x46], // "GGUF"
    ...[3, 0, 0, 0], // version
    ...[1, 0, 0, 0, 0, 0, 0, 0], // tensor count
    ...[1, 0, 0, 0, 0, 0, 0, 0], // kv count
    ...[1, 0, 0, 0, 0, 0, 0, 0], 0x6b, // key "k"
    ...[4, 0, 0, 0], ...[7, 0, 0, 0], // uint32 7
    ...[1, 0, 0, 0, 0, 0, 0, 0], 0x77, // name "w"
    ...[1, 0, 0, 0], // n_dims
    ...[3, 0, 0, 0, 0, 0, 0, 0], // ne[0]
    ...[0, 0, 0, 0], // F32
    ...[0, 0, 0, 0, 0, 0, 0, 0], // offset
  ];
  // 74 bytes of header, padded to 96 (a multiple of 32).
  assert.equal(expected.length, 74);
  assert.deepEqual([...layout.header], [...expected, ...new Array(22).fill(0)]);
  assert.deepEqual(layout.offsets, [0]);
  // 12 data bytes padded to 32: the file ends on an alignment boundary, as ggml's gguf writer leaves it.
  assert.equal(layout.fileBytes, 96 + 32);
});

test('tensor offsets are aligned to general.alignment and the file size adds up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-writer-'));
  try {
    const md: GgufMetadata = [['general.alignment', { type: 'uint32', value: 64 }], ...everyType];
    const tensors = [bytesTensor('a', [5], F32, 1), bytesTensor('b', [4, 3], F16, 2), bytesTensor('c', [64, 2], Q8_0, 3)];
    const path = join(dir, 'x.gguf');
    const layout = await writeGgufFile(path, md, tensors);
    // a: 20 bytes → next at 64; b: 24 bytes → next at 128; c: 2 rows × 2 blocks × 34 = 136 bytes, ending at 264 → 320.
    assert.deepEqual(layout.offsets, [0, 64, 128]);
    assert.deepEqual(layout.sizes, [20, 24, 136]);
    assert.equal(layout.header.length % 64, 0);
    const file = readFileSync(path);
    assert.equal(file.length, layout.header.length + 320);
    assert.equal(layout.fileBytes, file.length);
    const start = layout.header.length;
    assert.deepEqual([...file.subarray(start, start + 21)], [...new Array(20).fill(1), 0]);
    assert.equal(file[start + 64], 2);
    assert.equal(file[start + 128 + 135], 3);
    assert.equal(file[start + 128 + 136], 0);

    // Our reader gets every value back with its type, and the tensor table with the offsets written.
    const h = readGgufHeaderFile(path);
    assert.equal(h.version, 3);
    assert.deepEqual(h.tensors.map((t) => [t.name, t.offset, t.bytes]), [['a', 0, 20], ['b', 64, 24], ['c', 128, 136]]);
    assert.equal(h.dataOffset, layout.header.length);
    assert.deepEqual(typedMetadata(h).map(([k]) => k), md.map(([k]) => k));
    const byKey = new Map(typedMetadata(h));
    assert.deepEqual(byKey.get('t.u64'), { type: 'uint64', value: 2n ** 60n });
    assert.deepEqual(byKey.get('t.i64'), { type: 'int64', value: -5 });
    assert.deepEqual(byKey.get('t.str'), { type: 'string', value: 'héllo' });
    assert.deepEqual(byKey.get('t.arr_str'), { type: 'array', itemType: 'string', values: ['a', 'bc', ''] });
    assert.deepEqual(byKey.get('t.arr_f32'), { type: 'array', itemType: 'float32', values: [1.5, -2] });
    assert.deepEqual(byKey.get('t.i16'), { type: 'int16', value: -30000 });

    // And so does node-llama-cpp's independent reader.
    const info = await readGgufFileInfo(path, { readTensorInfo: true, ignoreKeys: [] });
    const t = (info.metadata as unknown as { t: Record<string, unknown> }).t;
    assert.equal(t.u8, 200);
    assert.equal(t.i8, -100);
    assert.equal(t.u32, 4000000000);
    assert.equal(t.i32, -2000000000);
    assert.equal(t.f32, 0.5);
    assert.equal(t.bool, true);
    assert.equal(t.f64, 1.25);
    assert.deepEqual(Array.from(t.arr_i32 as number[]), [1, -2, 3]);
    assert.deepEqual(Array.from(t.arr_bool as boolean[]), [true, false]);
    assert.deepEqual(info.fullTensorInfo!.map((x) => [x.name, x.dimensions.map(Number), x.ggmlType, Number(x.offset)]), [
      ['a', [5], 0, 0],
      ['b', [4, 3], 1, 64],
      ['c', [64, 2], 8, 128],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rejects wrong data lengths, duplicate keys, out-of-range values and misaligned quant rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-writer-'));
  try {
    const short: GgufTensor = { name: 's', dims: [4], type: F32, data: () => [new Uint8Array(12)] };
    await assert.rejects(writeGgufFile(join(dir, 'a.gguf'), [], [short]), /tensor s: data is 12 bytes, expected 16/);
    assert.throws(() => layoutGguf([['k', { type: 'bool', value: true }], ['k', { type: 'bool', value: false }]], []), /GGUF key k given twice/);
    assert.throws(() => layoutGguf([['k', { type: 'uint8', value: 256 }]], []), /GGUF key k: 256 does not fit uint8/);
    assert.throws(() => layoutGguf([], [bytesTensor('q', [48], Q8_0)]), /row length 48 is not a multiple of Q8_0's block size 32/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
