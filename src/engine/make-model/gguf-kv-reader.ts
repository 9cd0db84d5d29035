/**
 * Reads the metadata (key/value) section of a GGUF file with every value's exact GGUF type, so keys can be
 * copied into another file unchanged (a tokenizer's int32 token types stay int32, its float32 scores stay float32).
 * Only the header and KVs are read, in chunks, so pointing it at a multi-GiB model reads a few MiB at most.
 * Layout: see gguf-writer.ts.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { GGUF_MAGIC, GGUF_VALUE_TYPE, type GgufScalarType, type GgufValue } from '../gguf-writer.js';

const TYPE_BY_ID = new Map<number, keyof typeof GGUF_VALUE_TYPE>(
  Object.entries(GGUF_VALUE_TYPE).map(([k, v]) => [v, k as keyof typeof GGUF_VALUE_TYPE]),
);

export class GgufReadError extends Error {}

/** Sequential reader over a file descriptor that pulls more bytes as the parser needs them. */
class Cursor {
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private start = 0; // file offset of buf[0]
  private pos = 0; // file offset of the next byte to parse
  private eof = false;

  constructor(private readonly fd: number) {}

  private need(n: number): number {
    const at = this.pos - this.start;
    if (at + n <= this.buf.length) return at;
    if (this.eof) throw new GgufReadError(`file ends inside the metadata (needed ${n} bytes at offset ${this.pos})`);
    const keep = this.buf.subarray(at);
    const size = Math.max(n, 1 << 20);
    const next = new Uint8Array(keep.length + size);
    next.set(keep);
    const got = readSync(this.fd, next, keep.length, size, this.pos + keep.length);
    if (got < size) this.eof = true;
    this.buf = next.subarray(0, keep.length + got);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.start = this.pos;
    if (n > this.buf.length) throw new GgufReadError(`file ends inside the metadata (needed ${n} bytes at offset ${this.pos})`);
    return 0;
  }
  private take<T>(n: number, f: (view: DataView, at: number) => T): T {
    const at = this.need(n);
    this.pos += n;
    return f(this.view, at);
  }
  u8 = () => this.take(1, (v, a) => v.getUint8(a));
  i8 = () => this.take(1, (v, a) => v.getInt8(a));
  u16 = () => this.take(2, (v, a) => v.getUint16(a, true));
  i16 = () => this.take(2, (v, a) => v.getInt16(a, true));
  u32 = () => this.take(4, (v, a) => v.getUint32(a, true));
  i32 = () => this.take(4, (v, a) => v.getInt32(a, true));
  f32 = () => this.take(4, (v, a) => v.getFloat32(a, true));
  f64 = () => this.take(8, (v, a) => v.getFloat64(a, true));
  u64 = () => this.take(8, (v, a) => v.getBigUint64(a, true));
  i64 = () => this.take(8, (v, a) => v.getBigInt64(a, true));
  count(): number {
    const n = this.u64();
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufReadError(`implausible length ${n} at offset ${this.pos - 8}`);
    return Number(n);
  }
  str(): string {
    const n = this.count();
    if (n > 1 << 30) throw new GgufReadError(`implausible string length ${n} at offset ${this.pos - 8}`);
    const at = this.need(n);
    this.pos += n;
    return new TextDecoder('utf-8').decode(this.buf.subarray(at, at + n));
  }
}

/** Narrows 64-bit integers to numbers when exact, so copied values stay easy to compare. */
function small(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function readScalar(c: Cursor, type: GgufScalarType): number | bigint | boolean | string {
  switch (type) {
    case 'uint8': return c.u8();
    case 'int8': return c.i8();
    case 'uint16': return c.u16();
    case 'int16': return c.i16();
    case 'uint32': return c.u32();
    case 'int32': return c.i32();
    case 'float32': return c.f32();
    case 'float64': return c.f64();
    case 'uint64': return small(c.u64());
    case 'int64': return small(c.i64());
    case 'bool': return c.u8() !== 0;
    case 'string': return c.str();
  }
}

function typeOf(c: Cursor, id: number, where: string): keyof typeof GGUF_VALUE_TYPE {
  const t = TYPE_BY_ID.get(id);
  if (!t) throw new GgufReadError(`${where}: unknown value type ${id}`);
  return t;
}

function readValue(c: Cursor, key: string): GgufValue {
  const type = typeOf(c, c.u32(), key);
  if (type !== 'array') return { type, value: readScalar(c, type) } as GgufValue;
  const itemType = typeOf(c, c.u32(), key);
  if (itemType === 'array') throw new GgufReadError(`${key}: nested arrays are not supported`);
  const n = c.count();
  const values: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) values[i] = readScalar(c, itemType);
  return { type: 'array', itemType, values } as GgufValue;
}

export interface GgufKvs {
  version: number;
  tensorCount: number;
  metadata: Array<[string, GgufValue]>;
}

/** Reads the header and every key/value of the GGUF at `path`. Throws GgufReadError on a malformed file. */
export function readGgufKvs(path: string): GgufKvs {
  const fd = openSync(path, 'r');
  try {
    const c = new Cursor(fd);
    const magic = c.u32();
    if (magic !== GGUF_MAGIC) throw new GgufReadError('not a GGUF file (bad magic)');
    const version = c.u32();
    if (version < 2 || version > 3) throw new GgufReadError(`unsupported GGUF version ${version}`);
    const tensorCount = c.count();
    const kvCount = c.count();
    const metadata: Array<[string, GgufValue]> = [];
    for (let i = 0; i < kvCount; i++) {
      const key = c.str();
      metadata.push([key, readValue(c, key)]);
    }
    return { version, tensorCount, metadata };
  } finally {
    closeSync(fd);
  }
}
