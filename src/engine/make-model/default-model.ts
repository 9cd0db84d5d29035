/**
 * The zero-setup model `llmbench run` benchmarks when no `--model` is given: a small random-weights llama, made
 * once and cached in the user's cache folder.
 *
 * Shape: 8 layers, width 512, 8 heads (2 KV heads), FFN 1536, f16, built-in byte-level vocab (259 tokens).
 * ~24.4 M parameters, a 49 MB file that is written in well under a second, and a decode step of roughly 2 ms on
 * one CPU thread with node-llama-cpp's prebuilt CPU backend (dependencies.md §1 measured 2.3–2.4 ms/token for this
 * shape), so a default benchmark of a few hundred tokens finishes in seconds while the per-token cost is still
 * dominated by real matrix work rather than fixed overhead. The byte-level vocab makes every byte one token.
 */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { completeShape, type ModelShape } from './shape.js';
import { builtinVocab, BUILTIN_BASE_SIZE } from './vocab.js';
import { defaultModelName, fileSize, makeModel, modelLayout, type ModelRecipe } from './make.js';
import { type WeightDtype } from './weights.js';

export const DEFAULT_MODEL_SHAPE: ModelShape = completeShape({
  layers: 8,
  hidden: 512,
  heads: 8,
  kvHeads: 2,
  ffn: 1536,
  context: 4096,
  vocab: BUILTIN_BASE_SIZE,
});
export const DEFAULT_MODEL_DTYPE: WeightDtype = 'f16';
export const DEFAULT_MODEL_SEED = 0;
/**
 * Bumped whenever make-model's weights or metadata change for the same inputs, so a cache made by an older
 * llmbench is not reused (the cache check compares the file size only, which such a change may not alter).
 */
export const DEFAULT_MODEL_RECIPE_VERSION = 1;

export interface DefaultModel {
  path: string;
  /** True when this call wrote the file; false when a cached copy was reused. */
  created: boolean;
  shape: ModelShape;
  dtype: WeightDtype;
  /** `general.name` in the file, e.g. `llmbench-random-l8-e512-h8-kv2-f1536-v259-f16`. */
  name: string;
  fileBytes: number;
  /** Always true: results should say the timings are real and the text is meaningless. */
  randomWeights: true;
}

/** `$LLMBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/llmbench`, else `~/.cache/llmbench`. */
export function llmbenchCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LLMBENCH_CACHE_DIR) return env.LLMBENCH_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'llmbench');
  return join(homedir(), '.cache', 'llmbench');
}

export function defaultModelRecipe(): ModelRecipe {
  return {
    shape: DEFAULT_MODEL_SHAPE,
    dtype: DEFAULT_MODEL_DTYPE,
    seed: DEFAULT_MODEL_SEED,
    vocab: builtinVocab(DEFAULT_MODEL_SHAPE.vocab),
    source: 'llmbench default model',
  };
}

/**
 * Returns the cached default model, making it first if it is missing or its size is not the expected one
 * (an older recipe or a damaged file). The file is written under a temporary name and renamed into place, so
 * concurrent callers each end with a complete file and an interrupted one leaves no corrupt cache behind.
 */
export async function ensureDefaultModel(opts: { cacheDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DefaultModel> {
  const dir = opts.cacheDir ?? llmbenchCacheDir(opts.env ?? process.env);
  const recipe = defaultModelRecipe();
  const name = defaultModelName(recipe.shape, recipe.dtype);
  const path = join(dir, `${name}-seed${recipe.seed}-r${DEFAULT_MODEL_RECIPE_VERSION}.gguf`);
  const expected = modelLayout(recipe).fileBytes;
  const base = { path, shape: recipe.shape, dtype: recipe.dtype, name, fileBytes: expected, randomWeights: true as const };
  if ((await fileSize(path)) === expected) return { ...base, created: false };
  await mkdir(dir, { recursive: true });
  await makeModel(path, recipe);
  return { ...base, created: true };
}
