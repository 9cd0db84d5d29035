/**
 * The GGUF writer (v3): metadata of every value type, tensor infos, alignment padding, and tensor data
 * streamed from generators so a multi-GiB file never has to sit in memory.
 *
 * Layout (ggml docs/gguf.md, "File Structure"; ggml/src/gguf.cpp gguf_write_to_buf):
 *   magic "GGUF" | u32 version (3) | u64 tensor_count | u64 kv_count
 *   kv_count × (string key | u32 value_type | value)
 *   tensor_count × (string name | u32 n_dims | n_dims × u64 ne (ne[0] fastest) | u32 ggml_type | u64 offset)
 *   zero padding to `general.alignment` (default 32)
 *   tensor data; each tensor's offset is relative to the data start and a multiple of the alignment.
 * Strings are u64 length + UTF-8 bytes (no terminator); arrays are u32 item_type + u64 count + items.
 * Everything is little-endian.
 */
import { open } from 'node:fs/promises';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VALUE_TYPE, GGUF_VERSION, type GgufMetadata, type GgufScalarType, type GgufTypedValue } from './format.js';
import { type GgmlType, tensorBytes } from './ggml-types.js';

export type { GgufMetadata, GgufTypedValue } from './format.js';

export interface GgufTensor {
  name: string;
  /** ne order: dims[0] is the fastest-varying (row length). */
  dims: readonly number[];
  type: GgmlType;
  /** Yields the tensor's bytes in order; their total must equal the size computed from dims and type. */
  data: () => Iterable<Uint8Array>;
}

/** Growable little-endian byte buffer for the header part of the file. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void { this.reserve(1); this.view.setUint8(this.length, v); this.length += 1; }
  i8(v: number): void { this.reserve(1); this.view.setInt8(this.length, v); this.length += 1; }
  u16(v: number): void { this.reserve(2); this.view.setUint16(this.length, v, true); this.length += 2; }
  i16(v: number): void { this.reserve(2); this.view.setInt16(this.length, v, true); this.length += 2; }
  u32(v: number): void { this.reserve(4); this.view.setUint32(this.length, v, true); this.length += 4; }
  i32(v: number): void { this.reserve(4); this.view.setInt32(this.length, v, true); this.length += 4; }
  f32(v: number): void { this.reserve(4); this.view.setFloat32(this.length, v, true); this.length += 4; }
  f64(v: number): void { this.reserve(8); this.view.setFloat64(this.length, v, true); this.length += 8; }
  u64(v: number | bigint): void { this.reserve(8); this.view.setBigUint64(this.length, BigInt(v), true); this.length += 8; }
  i64(v: number | bigint): void { this.reserve(8); this.view.setBigInt64(this.length, BigInt(v), true); this.length += 8; }
  bytes(b: Uint8Array): void { this.reserve(b.length); this.buf.set(b, this.length); this.length += b.length; }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  result(): Uint8Array { return this.buf.slice(0, this.length); }
}

function writeScalar(sink: ByteSink, type: GgufScalarType, v: number | bigint | boolean | string): void {
  switch (type) {
    case 'uint8': return sink.u8(v as number);
    case 'int8': return sink.i8(v as number);
    case 'uint16': return sink.u16(v as number);
    case 'int16': return sink.i16(v as number);
    case 'uint32': return sink.u32(v as number);
    case 'int32': return sink.i32(v as number);
    case 'float32': return sink.f32(v as number);
    case 'float64': return sink.f64(v as number);
    case 'uint64': return sink.u64(v as number | bigint);
    case 'int64': return sink.i64(v as number | bigint);
    case 'bool': return sink.u8(v ? 1 : 0);
    case 'string': return sink.str(v as string);
  }
}

function checkRange(key: string, type: GgufScalarType, v: unknown): void {
  const ranges: Partial<Record<GgufScalarType, [number, number]>> = {
    uint8: [0, 0xff], int8: [-0x80, 0x7f], uint16: [0, 0xffff], int16: [-0x8000, 0x7fff],
    uint32: [0, 0xffffffff], int32: [-0x80000000, 0x7fffffff],
  };
  const r = ranges[type];
  if (r && (typeof v !== 'number' || !Number.isInteger(v) || v < r[0] || v > r[1])) {
    throw new RangeError(`GGUF key ${key}: ${String(v)} does not fit ${type}`);
  }
}

function writeValue(sink: ByteSink, key: string, value: GgufTypedValue): void {
  sink.u32(GGUF_VALUE_TYPE[value.type]);
  if (value.type !== 'array') {
    checkRange(key, value.type, value.value);
    writeScalar(sink, value.type, value.value);
    return;
  }
  sink.u32(GGUF_VALUE_TYPE[value.itemType]);
  sink.u64(value.values.length);
  for (let i = 0; i < value.values.length; i++) writeScalar(sink, value.itemType, value.values[i]!);
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Bytes a tensor's data takes, without padding. */
export function ggufTensorByteSize(t: Pick<GgufTensor, 'dims' | 'type' | 'name'>): number {
  if (t.dims[0]! % t.type.blockSize !== 0) {
    throw new RangeError(`tensor ${t.name}: row length ${t.dims[0]} is not a multiple of ${t.type.name}'s block size ${t.type.blockSize}`);
  }
  return tensorBytes(t.type, elementCount(t.dims));
}

export interface GgufLayout {
  /** Everything before the tensor data: header, metadata, tensor infos and padding. */
  header: Uint8Array;
  /** Offset of each tensor's data relative to the data section. */
  offsets: number[];
  sizes: number[];
  /** Total file size in bytes. */
  fileBytes: number;
  alignment: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * Lays out the file: encodes the header and computes every tensor offset. Pure; writes nothing.
 * The alignment is read from `general.alignment` when the metadata carries it (as llama.cpp does).
 */
export function layoutGguf(metadata: GgufMetadata, tensors: ReadonlyArray<Pick<GgufTensor, 'name' | 'dims' | 'type'>>): GgufLayout {
  const alignEntry = metadata.find(([k]) => k === 'general.alignment');
  const alignment = alignEntry && alignEntry[1].type === 'uint32' ? alignEntry[1].value : GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) throw new RangeError(`general.alignment ${alignment} must be a positive multiple of 8`);
  const keys = new Set<string>();
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(metadata.length);
  for (const [key, value] of metadata) {
    if (keys.has(key)) throw new RangeError(`GGUF key ${key} given twice`);
    keys.add(key);
    sink.str(key);
    writeValue(sink, key, value);
  }
  const offsets: number[] = [];
  const sizes: number[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new RangeError(`tensor ${t.name} given twice`);
    names.add(t.name);
    const size = ggufTensorByteSize(t);
    sink.str(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type.id);
    sink.u64(offset);
    offsets.push(offset);
    sizes.push(size);
    offset = alignUp(offset + size, alignment);
  }
  sink.pad(alignment);
  const header = sink.result();
  // The last tensor is padded too: gguf_write pads every tensor, so the file ends on an alignment boundary.
  return { header, offsets, sizes, fileBytes: header.length + offset, alignment };
}

/** Writes a GGUF file at `path` (overwriting it) and returns its layout. */
export async function writeGgufFile(path: string, metadata: GgufMetadata, tensors: readonly GgufTensor[]): Promise<GgufLayout> {
  const layout = layoutGguf(metadata, tensors);
  const fh = await open(path, 'w');
  try {
    let pos = 0;
    const put = async (b: Uint8Array) => {
      let done = 0;
      while (done < b.length) {
        const { bytesWritten } = await fh.write(b, done, b.length - done, pos + done);
        done += bytesWritten;
      }
      pos += b.length;
    };
    await put(layout.header);
    const dataStart = layout.header.length;
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      if (pos !== dataStart + layout.offsets[i]!) await put(new Uint8Array(dataStart + layout.offsets[i]! - pos));
      let written = 0;
      for (const chunk of t.data()) {
        written += chunk.length;
        if (written > layout.sizes[i]!) throw new RangeError(`tensor ${t.name}: data is longer than ${layout.sizes[i]} bytes`);
        await put(chunk);
      }
      if (written !== layout.sizes[i]) throw new RangeError(`tensor ${t.name}: data is ${written} bytes, expected ${layout.sizes[i]}`);
    }
    if (pos < layout.fileBytes) await put(new Uint8Array(layout.fileBytes - pos));
  } finally {
    await fh.close();
  }
  return layout;
}
