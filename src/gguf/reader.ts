/**
 * The GGUF reader (the one in the tree; the writer is writer.ts): magic, version, metadata key/values and the tensor table. It never reads tensor data; a
 * 40 GB model costs a few MiB of reads (the vocabulary arrays are the bulk of a header).
 *
 * Layout (ggml/include/gguf.h, ggml/docs/gguf.md): "GGUF" magic, u32 version, then tensor count and KV count
 * (u64 since v2, u32 in v1), the KV pairs (string key, u32 value type, value), the tensor infos (string name,
 * u32 n_dims, n_dims × u64 dims, u32 ggml type, u64 offset), padding to `general.alignment` (default 32), then the
 * data. Strings are a length (u64; u32 in v1) followed by UTF-8 bytes. v3 files may be big-endian: the version
 * then reads as a huge number in little-endian order, which is how we detect it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SetupError, UsageError } from '../core/errors.js';
import { GGUF_VALUE_TYPE, ggufValueTypeName, type GgufMetadata, type GgufTypedValue } from './format.js';
import { ggmlTypeById, tensorBytes } from './ggml-types.js';

/** 64-bit integers become numbers when exact, bigints otherwise. */
export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the innermost (row length). */
  dims: number[];
  /** ggml type id (src/gguf/ggml-types.ts). */
  type: number;
  /** Byte offset inside the data section. */
  offset: number;
  elements: number;
  /** Stored size; null for a type id this build does not know. */
  bytes: number | null;
}

export interface GgufHeader {
  version: number;
  littleEndian: boolean;
  metadata: Record<string, GgufValue>;
  /** Value type of each key (GGUF_VALUE_TYPE), and the element type for arrays. */
  metadataTypes: Record<string, { type: number; elementType?: number }>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Where the tensor data starts (after alignment padding). */
  dataOffset: number;
}

/** Thrown by parseGgufHeader(buf, complete = false) when the buffer ends before the header does. */
export class GgufNeedMoreError extends Error {}

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer, public le: boolean, public wide: boolean, readonly complete: boolean) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) {
      if (this.complete) throw new GgufFormatError(`the file ends inside the header (at byte ${this.pos})`);
      throw new GgufNeedMoreError('the header continues past the bytes read');
    }
  }
  u8(): number { this.need(1); return this.buf.readUInt8(this.pos++); }
  i8(): number { this.need(1); return this.buf.readInt8(this.pos++); }
  u16(): number { this.need(2); const v = this.le ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  i16(): number { this.need(2); const v = this.le ? this.buf.readInt16LE(this.pos) : this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.le ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.le ? this.buf.readInt32LE(this.pos) : this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  f32(): number { this.need(4); const v = this.le ? this.buf.readFloatLE(this.pos) : this.buf.readFloatBE(this.pos); this.pos += 4; return v; }
  f64(): number { this.need(8); const v = this.le ? this.buf.readDoubleLE(this.pos) : this.buf.readDoubleBE(this.pos); this.pos += 8; return v; }
  u64(): number | bigint { this.need(8); const v = this.le ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos); this.pos += 8; return small(v); }
  i64(): number | bigint { this.need(8); const v = this.le ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigInt64BE(this.pos); this.pos += 8; return small(v); }
  /** A count or length: u64 (u32 in v1), which must fit a JS number. */
  count(what: string): number {
    const v = this.wide ? this.u64() : this.u32();
    if (typeof v === 'bigint') throw new GgufFormatError(`${what} ${v} is too large`);
    return v;
  }
  str(): string {
    const n = this.count('string length');
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function small(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

export class GgufFormatError extends Error {}

function readScalar(c: Cursor, type: number): GgufScalar {
  const T = GGUF_VALUE_TYPE;
  switch (type) {
    case T.uint8: return c.u8();
    case T.int8: return c.i8();
    case T.uint16: return c.u16();
    case T.int16: return c.i16();
    case T.uint32: return c.u32();
    case T.int32: return c.i32();
    case T.float32: return c.f32();
    case T.bool: return c.u8() !== 0;
    case T.string: return c.str();
    case T.uint64: return c.u64();
    case T.int64: return c.i64();
    case T.float64: return c.f64();
    default: throw new GgufFormatError(`unknown metadata value type ${type} at byte ${c.pos - 4}`);
  }
}

function readValue(c: Cursor, type: number, depth: number): { value: GgufValue; elementType?: number } {
  if (type !== GGUF_VALUE_TYPE.array) return { value: readScalar(c, type) };
  if (depth > 8) throw new GgufFormatError('arrays nested too deeply');
  const elementType = c.u32();
  const n = c.count('array length');
  const out: GgufValue[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readValue(c, elementType, depth + 1).value;
  return { value: out, elementType };
}

/** Parses a GGUF header from the start of a file. `complete` says the buffer is the whole file. */
export function parseGgufHeader(buf: Buffer, complete = true): GgufHeader {
  const c = new Cursor(buf, true, true, complete);
  c.need(8);
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new GgufFormatError('not a GGUF file (the first 4 bytes are not "GGUF")');
  c.pos = 4;
  let version = buf.readUInt32LE(4);
  if (version > 0xffff) {
    version = buf.readUInt32BE(4);
    c.le = false;
  }
  c.pos = 8;
  if (version < 1 || version > 3) throw new GgufFormatError(`GGUF version ${version} is not supported (1 to 3 are)`);
  c.wide = version >= 2;
  const tensorCount = c.count('tensor count');
  const kvCount = c.count('metadata count');
  const metadata: Record<string, GgufValue> = {};
  const metadataTypes: GgufHeader['metadataTypes'] = {};
  for (let i = 0; i < kvCount; i++) {
    const key = c.str();
    const type = c.u32();
    const { value, elementType } = readValue(c, type, 0);
    metadata[key] = value;
    metadataTypes[key] = elementType === undefined ? { type } : { type, elementType };
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.str();
    const nDims = c.u32();
    if (nDims > 8) throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.count(`dimension of ${name}`));
    const type = c.u32();
    const offset = c.count(`offset of ${name}`);
    const elements = dims.reduce((a, b) => a * b, 1);
    const t = ggmlTypeById(type);
    tensors.push({ name, dims, type, offset, elements, bytes: t ? tensorBytes(t, elements) : null });
  }
  const alignRaw = metadata['general.alignment'];
  const alignment = typeof alignRaw === 'number' && alignRaw > 0 ? alignRaw : 32;
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  return { version, littleEndian: c.le, metadata, metadataTypes, tensors, alignment, dataOffset };
}

/**
 * Reads only as much of the file as the header needs (1 MiB first, doubling), never the tensor data. Throws the
 * file system's error when the file cannot be read and GgufFormatError when it is not a GGUF: for callers that word
 * the error for their own option (make-model's --vocab-from). Synchronous: a header is a few MiB at most.
 */
export function readGgufHeaderFile(path: string): GgufHeader {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let want = Math.min(size, 1 << 20);
    for (;;) {
      const buf = Buffer.alloc(want);
      const bytesRead = readSync(fd, buf, 0, want, 0);
      try {
        return parseGgufHeader(buf.subarray(0, bytesRead), bytesRead >= size);
      } catch (e) {
        if (!(e instanceof GgufNeedMoreError)) throw e;
        want = Math.min(size, want * 2);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** readGgufHeaderFile with the errors a user reads: UsageError for a path that cannot be opened, SetupError for a bad file. */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  try {
    return readGgufHeaderFile(path);
  } catch (e) {
    if (e instanceof GgufFormatError) throw new SetupError('LLMBENCH_GGUF_FORMAT', `${path}: ${e.message}`, 'the file is not a valid GGUF model (was the download cut short?)');
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UsageError([{ where: path, message: `cannot open GGUF file (${code})`, hint: 'check the path' }]);
    throw e;
  }
}

/**
 * The metadata as ordered, typed pairs, the form the writer takes: keys copied from one file into another keep
 * their exact GGUF types. 64-bit integers stay numbers when exact (bigints otherwise), as the reader reads them.
 */
export function typedMetadata(h: GgufHeader): GgufMetadata {
  return Object.entries(h.metadata).map(([key, value]): [string, GgufTypedValue] => {
    const t = h.metadataTypes[key]!;
    const type = ggufValueTypeName(t.type)!;
    if (type !== 'array') return [key, { type, value } as GgufTypedValue];
    const itemType = t.elementType === undefined ? undefined : ggufValueTypeName(t.elementType);
    if (itemType === undefined || itemType === 'array') throw new GgufFormatError(`${key}: arrays of arrays cannot be copied`);
    return [key, { type: 'array', itemType, values: value as GgufValue[] } as GgufTypedValue];
  });
}

/** Metadata helpers: a typed read with the architecture prefix filled in (`{arch}.block_count`). */
export function ggufArch(h: GgufHeader): string {
  const a = h.metadata['general.architecture'];
  return typeof a === 'string' ? a : 'llama';
}

export function ggufNumber(h: GgufHeader, key: string): number | null {
  const v = h.metadata[key.replace('{arch}', ggufArch(h))];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** A per-layer array value (e.g. `head_count_kv` can be an array on hybrid models), or a scalar repeated. */
export function ggufNumberOrArray(h: GgufHeader, key: string): number | number[] | null {
  const v = h.metadata[key.replace('{arch}', ggufArch(h))];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'bigint' ? Number(x) : typeof x === 'boolean' ? Number(x) : Number(x)));
  return ggufNumber(h, key);
}
