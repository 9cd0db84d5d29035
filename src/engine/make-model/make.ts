/**
 * Assembles a random-weights llama GGUF from a shape, a dtype, a seed and a vocabulary, and writes it atomically.
 * Same inputs → byte-identical file: nothing time- or machine-dependent goes into it.
 *
 * Metadata keys are those llama.cpp reads for the llama arch (src/llama-arch.cpp LLM_KV_NAMES; required ones
 * listed in shared/reference/dependencies.md §1), plus `llmbench.*` keys that mark the weights as random.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { VERSION } from '../../core/version.js';
import { layoutGguf, writeGgufFile, type GgufLayout, type GgufMetadata, type GgufTensor, type GgufTypedValue } from '../../gguf/writer.js';
import { planTensors, parameterCount, shapeSlug, type ModelShape } from './shape.js';
import { FILE_TYPE, tensorData, tensorInit, type WeightDtype } from './weights.js';
import { type Vocab } from './vocab.js';
import { rowEdits } from './suppress.js';
import { readGgufHeaderFile } from '../../gguf/reader.js';

export interface ModelRecipe {
  shape: ModelShape;
  dtype: WeightDtype;
  seed: number;
  vocab: Vocab;
  /** `general.name`; defaults to `llmbench-random-<shape>-<dtype>`. */
  name?: string;
  /** What the shape came from, recorded in `llmbench.source`: "shape flags" or the config.json path. */
  source?: string;
}

export interface MadeModel {
  path: string;
  name: string;
  fileBytes: number;
  parameters: number;
  tensorCount: number;
  shape: ModelShape;
  dtype: WeightDtype;
  seed: number;
  vocabSource: string;
}

/** Marks a made model; results read it to say "random weights: timings real, text meaningless". */
export const RANDOM_WEIGHTS_KEY = 'llmbench.random_weights';

export function defaultModelName(shape: ModelShape, dtype: WeightDtype): string {
  return `llmbench-random-${shapeSlug(shape)}-${dtype}`;
}

const u32 = (value: number): GgufTypedValue => ({ type: 'uint32', value });
const f32 = (value: number): GgufTypedValue => ({ type: 'float32', value });
const str = (value: string): GgufTypedValue => ({ type: 'string', value });

export function modelMetadata(r: ModelRecipe): GgufMetadata {
  const s = r.shape;
  const kv: Array<readonly [string, GgufTypedValue]> = [
    ['general.architecture', str('llama')],
    ['general.name', str(r.name ?? defaultModelName(s, r.dtype))],
    ['general.file_type', u32(FILE_TYPE[r.dtype])],
  ];
  // llama.cpp's quantizer writes this for quantized files (GGML_QNT_VERSION = 2).
  if (r.dtype === 'q8_0') kv.push(['general.quantization_version', u32(2)]);
  kv.push(
    [RANDOM_WEIGHTS_KEY, { type: 'bool', value: true }],
    ['llmbench.seed', u32(r.seed)],
    ['llmbench.source', str(r.source ?? 'shape flags')],
    ['llmbench.version', str(VERSION)],
    ['llama.vocab_size', u32(s.vocab)],
    ['llama.context_length', u32(s.context)],
    ['llama.embedding_length', u32(s.hidden)],
    ['llama.block_count', u32(s.layers)],
    ['llama.feed_forward_length', u32(s.ffn)],
    ['llama.attention.head_count', u32(s.heads)],
    ['llama.attention.head_count_kv', u32(s.kvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', f32(s.rmsEps)],
    ['llama.rope.dimension_count', u32(s.headDim)],
    ['llama.rope.freq_base', f32(s.ropeTheta)],
  );
  if (s.headDim * s.heads !== s.hidden) {
    kv.push(['llama.attention.key_length', u32(s.headDim)], ['llama.attention.value_length', u32(s.headDim)]);
  }
  if (s.experts > 0) kv.push(['llama.expert_count', u32(s.experts)], ['llama.expert_used_count', u32(s.expertsUsed)]);
  if (s.ropeScaling) {
    kv.push(['llama.rope.scaling.type', str(s.ropeScaling.type)], ['llama.rope.scaling.factor', f32(s.ropeScaling.factor)]);
    if (s.ropeScaling.originalContext !== undefined) kv.push(['llama.rope.scaling.original_context_length', u32(s.ropeScaling.originalContext)]);
  }
  kv.push(...r.vocab.metadata);
  return kv;
}

export function modelTensors(r: ModelRecipe): GgufTensor[] {
  const s = r.shape;
  if (r.vocab.size !== s.vocab) throw new RangeError(`vocab has ${r.vocab.size} tokens but the shape says ${s.vocab}`);
  return planTensors(s).map((t) => {
    const init = tensorInit(t, r.dtype, { vocab: s.vocab, hidden: s.hidden, tied: s.tiedEmbeddings });
    const edits = rowEdits(t, s, r.vocab.suppressed);
    return { name: t.name, dims: t.dims, type: init.type, data: () => tensorData(t, init, r.seed, edits) };
  });
}

/** The file's layout (size, offsets) without generating any weights. */
export function modelLayout(r: ModelRecipe): GgufLayout {
  return layoutGguf(modelMetadata(r), modelTensors(r));
}

/**
 * Writes the model to `path` through a temporary file in the same folder and a rename, so a crash or a
 * concurrent writer never leaves a partial file under the final name.
 */
export async function makeModel(path: string, r: ModelRecipe): Promise<MadeModel> {
  const metadata = modelMetadata(r);
  const tensors = modelTensors(r);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let layout: GgufLayout;
  try {
    layout = await writeGgufFile(tmp, metadata, tensors);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return {
    path,
    name: r.name ?? defaultModelName(r.shape, r.dtype),
    fileBytes: layout.fileBytes,
    parameters: parameterCount(r.shape),
    tensorCount: tensors.length,
    shape: r.shape,
    dtype: r.dtype,
    seed: r.seed,
    vocabSource: r.vocab.source,
  };
}

/** Size of an existing file, or null when it is absent. */
export async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

export interface MadeModelMarker {
  /** `general.name`. */
  name: string | null;
  seed: number | null;
  /** "shape flags", a config.json path, or "llmbench default model". */
  source: string | null;
}

/**
 * Whether the GGUF at `path` was made by make-model (it carries `llmbench.random_weights = true`), so a result can
 * say "random weights: timings real, text meaningless" for any such file, not only the default model.
 * Null for other models. Reads only the file's header; throws GgufFormatError on a file that is not a GGUF.
 */
export function readMadeModelMarker(path: string): MadeModelMarker | null {
  const md = readGgufHeaderFile(path).metadata;
  const v = (k: string) => {
    const x = md[k];
    return Array.isArray(x) ? undefined : x;
  };
  if (v(RANDOM_WEIGHTS_KEY) !== true) return null;
  const name = v('general.name');
  const seed = v('llmbench.seed');
  const source = v('llmbench.source');
  return {
    name: typeof name === 'string' ? name : null,
    seed: typeof seed === 'number' ? seed : null,
    source: typeof source === 'string' ? source : null,
  };
}
