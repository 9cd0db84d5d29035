/**
 * Turns make-model's inputs (shape flags, an optional config.json, a vocab choice) into a ModelRecipe, collecting
 * every problem before anything is written.
 */
import { UsageError, type Problem } from '../../core/errors.js';
import { readHfConfigJson } from '../../estimate/hf-config.js';
import { mapHfConfig } from './llama-config.js';
import { completeShape, shapeProblems, type ModelShape } from './shape.js';
import { builtinVocab, vocabFromGguf, BUILTIN_BASE_SIZE, type Vocab } from './vocab.js';
import { DEFAULT_MODEL_SHAPE } from './default-model.js';
import { type ModelRecipe } from './make.js';
import { WEIGHT_DTYPES, type WeightDtype } from './weights.js';

/** Shape flags as given; an absent flag falls back to the config's value, then to the default model's. */
export interface ShapeFlags {
  layers?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  ffn?: number;
  context?: number;
  vocab?: number;
  experts?: number;
  expertsUsed?: number;
}

export interface MakeModelInput extends ShapeFlags {
  config?: string;
  vocabFrom?: string;
  dtype?: WeightDtype;
  seed?: number;
}

export interface ResolvedRecipe {
  recipe: ModelRecipe;
  notes: string[];
}

export function resolveRecipe(input: MakeModelInput): ResolvedRecipe {
  const notes: string[] = [];
  const problems: Problem[] = [];
  const dtype = input.dtype ?? 'f16';
  if (!WEIGHT_DTYPES.includes(dtype)) problems.push({ where: '--dtype', message: `'${String(dtype)}' is not one of ${WEIGHT_DTYPES.join(', ')}` });
  const seed = input.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) problems.push({ where: '--seed', message: `must be a whole number from 0 to 4294967295 (got ${seed})` });

  const mapped = input.config !== undefined ? mapHfConfig(readHfConfigJson(input.config, '--config', "give the path of a Hugging Face model's config.json (or its folder)").config) : undefined;
  if (mapped) notes.push(...mapped.notes);
  const base: Partial<ModelShape> = mapped ? mapped.shape : DEFAULT_MODEL_SHAPE;
  const pick = <K extends keyof ShapeFlags & keyof ModelShape>(k: K): ModelShape[K] | undefined => (input[k] ?? base[k]) as ModelShape[K] | undefined;

  let vocab: Vocab | undefined;
  let vocabSize = pick('vocab');
  if (input.vocabFrom !== undefined) {
    vocab = vocabFromGguf(input.vocabFrom);
    if (input.vocab !== undefined && input.vocab !== vocab.size) {
      problems.push({ where: '--vocab', message: `${input.vocab} tokens, but ${input.vocabFrom} has ${vocab.size}`, hint: 'leave out --vocab: the copied tokenizer sets the vocabulary size' });
    } else if (base.vocab !== undefined && input.config !== undefined && base.vocab !== vocab.size) {
      notes.push(`config vocab_size ${base.vocab} replaced by the copied tokenizer's ${vocab.size} tokens`);
    }
    vocabSize = vocab.size;
  } else {
    vocabSize ??= BUILTIN_BASE_SIZE;
  }

  const experts = pick('experts') ?? 0;
  const shape = completeShape({
    ...base,
    layers: pick('layers') ?? DEFAULT_MODEL_SHAPE.layers,
    hidden: pick('hidden') ?? DEFAULT_MODEL_SHAPE.hidden,
    heads: pick('heads') ?? DEFAULT_MODEL_SHAPE.heads,
    kvHeads: pick('kvHeads') ?? (input.config !== undefined ? undefined : DEFAULT_MODEL_SHAPE.kvHeads),
    ffn: pick('ffn') ?? DEFAULT_MODEL_SHAPE.ffn,
    context: pick('context') ?? DEFAULT_MODEL_SHAPE.context,
    vocab: vocabSize,
    experts,
    expertsUsed: experts > 0 ? (input.expertsUsed ?? mapped?.shape.expertsUsed ?? Math.min(2, experts)) : 0,
    // A config's head_dim belongs to its own width/heads; a flag that changes them changes the head size too.
    headDim: input.hidden !== undefined || input.heads !== undefined ? undefined : base.headDim,
  });
  problems.push(...shapeProblems(shape));
  if (problems.length > 0) throw new UsageError(problems);
  vocab ??= builtinVocab(shape.vocab);
  return {
    recipe: { shape, dtype, seed, vocab, source: input.config ?? 'shape flags' },
    notes,
  };
}
