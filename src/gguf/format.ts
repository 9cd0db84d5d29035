/**
 * What the GGUF reader and writer share: the magic, the version written, the default alignment, the metadata value
 * type ids (gguf_type in ggml/include/gguf.h) and the typed form of a metadata value, in which a key keeps its exact
 * GGUF type when it is copied from one file into another (a tokenizer's int32 token types stay int32).
 */

/** gguf_type values (ggml/include/gguf.h). */
export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE;
export type GgufScalarType = Exclude<GgufValueTypeName, 'array'>;

const NAME_BY_ID = new Map<number, GgufValueTypeName>(Object.entries(GGUF_VALUE_TYPE).map(([k, v]) => [v, k as GgufValueTypeName]));

/** The name of a value type id, or undefined for an id GGUF does not define. */
export function ggufValueTypeName(id: number): GgufValueTypeName | undefined {
  return NAME_BY_ID.get(id);
}

export type GgufTypedScalar =
  | { type: 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64'; value: number }
  | { type: 'uint64' | 'int64'; value: number | bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string };

export type GgufTypedArray =
  | { type: 'array'; itemType: 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64'; values: ArrayLike<number> }
  | { type: 'array'; itemType: 'uint64' | 'int64'; values: ArrayLike<number | bigint> }
  | { type: 'array'; itemType: 'bool'; values: ArrayLike<boolean> }
  | { type: 'array'; itemType: 'string'; values: ArrayLike<string> };

/** A metadata value with its GGUF type: what the writer takes and `typedMetadata` returns. */
export type GgufTypedValue = GgufTypedScalar | GgufTypedArray;

/** Ordered key/value pairs: GGUF keeps the order they are written in. */
export type GgufMetadata = ReadonlyArray<readonly [string, GgufTypedValue]>;

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
