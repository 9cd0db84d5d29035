/**
 * GGML tensor types as stored in GGUF files: numeric id, name, elements per block and bytes per block.
 * Bytes for a tensor of n elements = n / block_size * type_size (n is a multiple of block_size).
 * Figures from ggml's type traits (ggml/src/ggml.c, type_traits[]), checked row by row against sizeof(block_*) of
 * ggml/src/ggml-common.h compiled from the llama.cpp release bundled with node-llama-cpp (commit 80fb11a). Ids 4, 5
 * and 31-33, 36-38 were removed from ggml and are not valid in GGUF files.
 */
export interface GgmlType {
  id: number;
  name: string;
  blockSize: number;
  typeSize: number;
}

export const GGML_TYPES: readonly GgmlType[] = [
  { id: 0, name: 'F32', blockSize: 1, typeSize: 4 },
  { id: 1, name: 'F16', blockSize: 1, typeSize: 2 },
  { id: 2, name: 'Q4_0', blockSize: 32, typeSize: 18 },
  { id: 3, name: 'Q4_1', blockSize: 32, typeSize: 20 },
  { id: 6, name: 'Q5_0', blockSize: 32, typeSize: 22 },
  { id: 7, name: 'Q5_1', blockSize: 32, typeSize: 24 },
  { id: 8, name: 'Q8_0', blockSize: 32, typeSize: 34 },
  { id: 9, name: 'Q8_1', blockSize: 32, typeSize: 36 },
  { id: 10, name: 'Q2_K', blockSize: 256, typeSize: 84 },
  { id: 11, name: 'Q3_K', blockSize: 256, typeSize: 110 },
  { id: 12, name: 'Q4_K', blockSize: 256, typeSize: 144 },
  { id: 13, name: 'Q5_K', blockSize: 256, typeSize: 176 },
  { id: 14, name: 'Q6_K', blockSize: 256, typeSize: 210 },
  { id: 15, name: 'Q8_K', blockSize: 256, typeSize: 292 },
  { id: 16, name: 'IQ2_XXS', blockSize: 256, typeSize: 66 },
  { id: 17, name: 'IQ2_XS', blockSize: 256, typeSize: 74 },
  { id: 18, name: 'IQ3_XXS', blockSize: 256, typeSize: 98 },
  { id: 19, name: 'IQ1_S', blockSize: 256, typeSize: 50 },
  { id: 20, name: 'IQ4_NL', blockSize: 32, typeSize: 18 },
  { id: 21, name: 'IQ3_S', blockSize: 256, typeSize: 110 },
  { id: 22, name: 'IQ2_S', blockSize: 256, typeSize: 82 },
  { id: 23, name: 'IQ4_XS', blockSize: 256, typeSize: 136 },
  { id: 24, name: 'I8', blockSize: 1, typeSize: 1 },
  { id: 25, name: 'I16', blockSize: 1, typeSize: 2 },
  { id: 26, name: 'I32', blockSize: 1, typeSize: 4 },
  { id: 27, name: 'I64', blockSize: 1, typeSize: 8 },
  { id: 28, name: 'F64', blockSize: 1, typeSize: 8 },
  { id: 29, name: 'IQ1_M', blockSize: 256, typeSize: 56 },
  { id: 30, name: 'BF16', blockSize: 1, typeSize: 2 },
  { id: 34, name: 'TQ1_0', blockSize: 256, typeSize: 54 },
  { id: 35, name: 'TQ2_0', blockSize: 256, typeSize: 66 },
  { id: 39, name: 'MXFP4', blockSize: 32, typeSize: 17 },
  // Newer types (same bundled source): NVFP4 packs 4 sub-blocks of 16 with E4M3 scales; Q1_0 / Q2_0 are 1- and 2-bit.
  { id: 40, name: 'NVFP4', blockSize: 64, typeSize: 36 },
  { id: 41, name: 'Q1_0', blockSize: 128, typeSize: 18 },
  { id: 42, name: 'Q2_0', blockSize: 64, typeSize: 18 },
];

const BY_ID = new Map(GGML_TYPES.map((t) => [t.id, t]));
const BY_NAME = new Map(GGML_TYPES.map((t) => [t.name.toLowerCase(), t]));

export function ggmlTypeById(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

export function ggmlTypeByName(name: string): GgmlType | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Bytes of a tensor of `elements` values stored as `type`. */
export function tensorBytes(type: GgmlType, elements: number): number {
  return (elements / type.blockSize) * type.typeSize;
}

/** Bits per weight of a type (Q4_K: 144 B per 256 = 4.5). */
export function bitsPerWeight(type: GgmlType): number {
  return (type.typeSize * 8) / type.blockSize;
}

/**
 * `general.file_type` values (llama.cpp `enum llama_ftype`, include/llama.h). The name is the quantization a file
 * was made with; mixes (`_S/_M/_L`) store some tensors at a higher type, so the tensor table is the real truth.
 */
export const LLAMA_FTYPES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS',
  21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S',
  29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16', 36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4_MOE', 39: 'NVFP4',
  40: 'Q1_0', 41: 'Q2_0',
};
