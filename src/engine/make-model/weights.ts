/**
 * Deterministic random tensor data for made models.
 *
 * Scale (why generation stays numerically sane): every matrix is drawn zero-mean with std 1/sqrt(fan_in), where
 * fan_in is the row length ne[0]; after each RMSNorm the activations have unit RMS, so every projection's output
 * has about unit variance, attention scores q·k/sqrt(d) have std ≈ 1 and nothing grows towards f16 overflow.
 * Norm weights are 1 and biases small, so no NaN/inf can arise from the weights themselves.
 *
 * Output logits get std σ = max(1, sqrt(2·ln(1e5/V))). Tokens a random model must not generate are handled in
 * suppress.ts; where only their output rows can be zeroed (tied embeddings) their logit is exactly 0, and with
 * logits ~ N(0, σ²) a zero-logit token is sampled (at temperature 1) with probability ≈ 1 / (V·e^{σ²/2}) ≤ 1e-5 per
 * step (with a 259-token vocab and σ = 1 that would be one in ~430 steps).
 *
 * Values are uniform (std = a/√3 on [-a, a]) rather than normal: the same variance, and far cheaper to draw.
 * f32/f16 use 2048 evenly spaced levels (11 random bits per value, two values per 32-bit draw, table lookup).
 * q8_0 blocks are one f16 scale d = a/127 plus 32 random int8 in [-127, 127] (ggml's block_q8_0:
 * ggml/src/ggml-common.h), whose values d·q are uniform on [-a, a] as well.
 * Each tensor has its own generator seeded from (seed, tensor name), so data never depends on tensor order.
 * Typed arrays are written in the platform's byte order: little-endian on every platform Node supports for llama.cpp.
 */
import { ggmlTypeByName, type GgmlType } from '../../gguf/ggml-types.js';
import { type TensorPlan } from './shape.js';

export type WeightDtype = 'f32' | 'f16' | 'q8_0';
export const WEIGHT_DTYPES: readonly WeightDtype[] = ['f32', 'f16', 'q8_0'];

export const F32 = ggmlTypeByName('f32')!;
export const F16 = ggmlTypeByName('f16')!;
export const Q8_0 = ggmlTypeByName('q8_0')!;

/** llama_ftype (include/llama.h): what `general.file_type` says about the bulk of the weights. */
export const FILE_TYPE: Record<WeightDtype, number> = { f32: 0, f16: 1, q8_0: 7 };

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even, overflow to ±inf. */
export function f32ToF16Bits(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const rawExp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (rawExp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const exp = rawExp - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches inf at the top).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** IEEE 754 binary16 bits → number. */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** 32-bit FNV-1a of a string (UTF-16 code units; the inputs here are ASCII). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Marsaglia's xorshift32 (shifts 13, 17, 5): fast and plenty for random weights. State must not be 0. */
class XorShift32 {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
}

export function tensorSeed(seed: number, name: string): number {
  return fnv1a(`${seed >>> 0}:${name}`);
}

/** Logit std for a vocabulary of V tokens (see the file comment). */
export function logitStd(vocab: number): number {
  return Math.max(1, Math.sqrt(2 * Math.log(1e5 / vocab)));
}

export interface TensorInit {
  type: GgmlType;
  /** Uniform half-width a (std = a/√3); 0 with `constant` set. */
  halfWidth: number;
  /** Every element is this value (norm weights = 1). */
  constant?: number;
}

/** Storage type and value range of a planned tensor. */
export function tensorInit(t: TensorPlan, dtype: WeightDtype, opts: { vocab: number; hidden: number; tied: boolean }): TensorInit {
  const bulk = dtype === 'f32' ? F32 : dtype === 'f16' ? F16 : t.dims[0]! % Q8_0.blockSize === 0 ? Q8_0 : F16;
  const uniform = (std: number) => std * Math.sqrt(3);
  switch (t.role) {
    case 'norm':
      return { type: F32, halfWidth: 0, constant: 1 };
    case 'bias':
      return { type: F32, halfWidth: uniform(0.02) };
    case 'router':
      return { type: F32, halfWidth: uniform(1 / Math.sqrt(t.dims[0]!)) };
    case 'output':
      return { type: bulk, halfWidth: uniform(logitStd(opts.vocab) / Math.sqrt(opts.hidden)) };
    case 'embedding':
      // A tied embedding is also the output projection, so it takes the output scale; RMSNorm makes the input
      // side indifferent to the scale either way.
      return { type: bulk, halfWidth: uniform(opts.tied ? logitStd(opts.vocab) / Math.sqrt(opts.hidden) : 1) };
    case 'matrix':
      return { type: bulk, halfWidth: uniform(1 / Math.sqrt(t.dims[0]!)) };
  }
}

const LEVELS = 2048;
const TARGET_CHUNK_ELEMENTS = 1 << 20;

/**
 * Changes to single rows after the random fill (suppress.ts decides them). A row is ne[0] consecutive values;
 * in a 2-D tensor row r is output unit r (token r of token_embd/output), in a 3-D expert tensor r = expert·ne[1] + unit.
 */
export interface RowEdits {
  /** The row is all zeros. */
  zero?: (row: number) => boolean;
  /** Element 0 of the row takes this value (after `zero`), or keeps its random value when undefined. */
  first?: (row: number) => number | undefined;
}

/** The tensor's bytes, in chunks of whole rows. All-zero bytes are 0.0 in f32, f16 and q8_0 alike. */
export function* tensorData(t: TensorPlan, init: TensorInit, seed: number, edits: RowEdits = {}): Generator<Uint8Array> {
  const rowLen = t.dims[0]!;
  const rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const rowsPerChunk = Math.max(1, Math.floor(TARGET_CHUNK_ELEMENTS / rowLen));
  const rng = new XorShift32(tensorSeed(seed, t.name));
  const a = init.halfWidth;
  const step = (2 * a) / LEVELS;
  const level = (k: number) => init.constant ?? (k - (LEVELS - 1) / 2) * step;
  const rowBytes = (rowLen / init.type.blockSize) * init.type.typeSize;

  let fill: (out: Uint8Array, n: number) => void;
  if (init.type === Q8_0) {
    const dBits = f32ToF16Bits(a / 127);
    fill = (out, nRowsBytes) => {
      for (let off = 0; off < nRowsBytes; off += 34) {
        out[off] = dBits & 0xff;
        out[off + 1] = dBits >>> 8;
        for (let j = 0; j < 32; j += 4) {
          const r = rng.next();
          // (b·255) >> 8 maps a byte 0..255 onto 0..254, i.e. int8 -127..127 after the shift.
          out[off + 2 + j] = ((((r & 0xff) * 255) >>> 8) - 127) & 0xff;
          out[off + 3 + j] = (((((r >>> 8) & 0xff) * 255) >>> 8) - 127) & 0xff;
          out[off + 4 + j] = (((((r >>> 16) & 0xff) * 255) >>> 8) - 127) & 0xff;
          out[off + 5 + j] = ((((r >>> 24) * 255) >>> 8) - 127) & 0xff;
        }
      }
    };
  } else if (init.type === F16) {
    const table = new Uint16Array(LEVELS);
    for (let k = 0; k < LEVELS; k++) table[k] = f32ToF16Bits(level(k));
    fill = (out, nBytes) => fillF16(out, nBytes, table, rng);
  } else if (init.type === F32) {
    const table = new Float32Array(LEVELS);
    for (let k = 0; k < LEVELS; k++) table[k] = level(k);
    fill = (out, nBytes) => fillFromTable(new Float32Array(out.buffer, out.byteOffset, nBytes / 4), table, rng);
  } else {
    throw new RangeError(`no random data for type ${init.type.name}`);
  }

  for (let row = 0; row < rows; row += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, rows - row);
    const out = new Uint8Array(n * rowBytes);
    fill(out, out.length);
    if (edits.zero || edits.first) {
      for (let r = row; r < row + n; r++) {
        const at = (r - row) * rowBytes;
        if (edits.zero?.(r)) out.fill(0, at, at + rowBytes);
        const v = edits.first?.(r);
        if (v !== undefined) setFirst(out, at, init.type, v);
      }
    }
    yield out;
  }
}

/** Sets element 0 of the row starting at byte `at`. */
function setFirst(out: Uint8Array, at: number, type: GgmlType, v: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  if (type === F32) return view.setFloat32(at, v, true);
  if (type === F16) return view.setUint16(at, f32ToF16Bits(v), true);
  // q8_0: element 0 is quant 0 of block 0. Give the block a scale that represents v exactly as ±127 and rescale
  // the block's other quants so their values stay what they were (up to rounding).
  const d = f16BitsToF32(view.getUint16(at, true));
  const dNew = Math.max(Math.abs(v) / 127, d);
  const dNewBits = f32ToF16Bits(dNew);
  const dStored = f16BitsToF32(dNewBits);
  view.setUint16(at, dNewBits, true);
  for (let j = 1; j < 32; j++) {
    const q = view.getInt8(at + 2 + j);
    view.setInt8(at + 2 + j, dStored === 0 ? 0 : Math.max(-127, Math.min(127, Math.round((q * d) / dStored))));
  }
  view.setInt8(at + 2, dStored === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(v / dStored))));
}
/** f16 values two at a time: one 32-bit draw gives both, stored with one 32-bit write (little-endian pairs). */
function fillF16(out: Uint8Array, nBytes: number, table: Uint16Array, rng: XorShift32): void {
  const pairs = nBytes >>> 2;
  // Chunks start on whole rows of a freshly allocated buffer, so 4-byte alignment holds whenever pairs > 0.
  const u32 = new Uint32Array(out.buffer, out.byteOffset, pairs);
  for (let i = 0; i < pairs; i++) {
    const r = rng.next();
    u32[i] = (table[r & (LEVELS - 1)]! | (table[(r >>> 16) & (LEVELS - 1)]! << 16)) >>> 0;
  }
  if (nBytes & 2) {
    const v = table[rng.next() & (LEVELS - 1)]!;
    out[nBytes - 2] = v & 0xff;
    out[nBytes - 1] = v >>> 8;
  }
}

function fillFromTable(out: Float32Array, table: Float32Array, rng: XorShift32): void {
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r = rng.next();
    out[i] = table[r & (LEVELS - 1)]!;
    out[i + 1] = table[(r >>> 16) & (LEVELS - 1)]!;
  }
  if (i < n) out[i] = table[rng.next() & (LEVELS - 1)]!;
}
