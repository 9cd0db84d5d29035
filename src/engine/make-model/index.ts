/** make-model's public surface: what `llmbench run`, `serve`, benches and tests import. */
export { ensureDefaultModel, llmbenchCacheDir, DEFAULT_MODEL_SHAPE, DEFAULT_MODEL_DTYPE, type DefaultModel } from './default-model.js';
export { makeModel, modelLayout, defaultModelName, readMadeModelMarker, RANDOM_WEIGHTS_KEY, type ModelRecipe, type MadeModel, type MadeModelMarker } from './make.js';
export { resolveRecipe, type MakeModelInput, type ShapeFlags } from './recipe.js';
export { completeShape, parameterCount, planTensors, shapeSlug, type ModelShape } from './shape.js';
export { builtinVocab, vocabFromGguf, type Vocab } from './vocab.js';
export { mapHfConfig, SUPPORTED_MODEL_TYPES } from './llama-config.js';
export { WEIGHT_DTYPES, type WeightDtype } from './weights.js';
