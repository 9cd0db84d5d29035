import { existsSync, statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type CommandDef } from '../command.js';
import { SetupError, UsageError } from '../../core/errors.js';
import { makeModelOptions } from '../options/make-model.js';
import { resolveRecipe, type MakeModelInput } from '../../engine/make-model/recipe.js';
import { defaultModelName, makeModel, modelLayout, type MadeModel } from '../../engine/make-model/make.js';
import { type WeightDtype } from '../../engine/make-model/weights.js';

function describe(m: MadeModel, seconds: number): string {
  const s = m.shape;
  const moe = s.experts > 0 ? `, ${s.experts} experts (${s.expertsUsed} per token)` : '';
  const extras = [s.tiedEmbeddings ? 'tied embeddings' : '', s.qkvBias ? 'q/k/v bias' : '', s.outBias ? 'output bias' : '', s.mlpBias ? 'MLP bias' : '']
    .filter(Boolean);
  return [
    `wrote ${m.path} (${(m.fileBytes / 1e6).toFixed(1)} MB, ${(m.parameters / 1e6).toFixed(2)} M parameters) in ${seconds.toFixed(2)} s`,
    `  ${m.name}: llama, ${s.layers} layers, width ${s.hidden}, ${s.heads} heads (${s.kvHeads} KV, head size ${s.headDim}), FFN ${s.ffn}${moe}, context ${s.context}`,
    `  vocab ${s.vocab} (${m.vocabSource}), weights ${m.dtype}, seed ${m.seed}${extras.length ? `, ${extras.join(', ')}` : ''}`,
    '  random weights: timings measured with it are real; the text it generates is meaningless',
  ].join('\n') + '\n';
}

/** Bytes available to this user in the folder, or null when the file system can't say. */
function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export const makeModelCommand: CommandDef = {
  name: 'make-model',
  summary: 'write a random-weights llama GGUF of a given shape, to benchmark an engine without downloading a model',
  description:
    'The shape comes from flags or from a Hugging Face config.json (dense llama/mistral/qwen2 or Mixtral-style MoE), ' +
    "the tokenizer from a tokenizer GGUF or a built-in byte-level vocab. The file loads in node-llama-cpp and llama.cpp's own tools; " +
    'it is marked llmbench.random_weights = true so results can say that its text is meaningless. See docs/make-model.md.',
  options: makeModelOptions,
  examples: [
    'llmbench make-model -o tiny.gguf',
    'llmbench make-model --layers 16 --hidden 2048 --heads 32 --kv-heads 8 --ffn 8192 --vocab-from ggml-vocab-llama-spm.gguf --dtype q8_0 -o m.gguf',
    'llmbench make-model --config Mixtral-8x7B/config.json --layers 2 -o mixtral-2l.gguf',
  ],
  async run(args, io) {
    const v = args.values as Record<string, unknown>;
    const input: MakeModelInput = {
      config: v.config === undefined ? undefined : resolve(io.cwd, v.config as string),
      vocabFrom: v.vocabFrom === undefined ? undefined : resolve(io.cwd, v.vocabFrom as string),
      dtype: v.dtype as WeightDtype,
      seed: v.seed as number,
    };
    for (const k of ['layers', 'hidden', 'heads', 'kvHeads', 'ffn', 'context', 'vocab', 'experts', 'expertsUsed'] as const) {
      if (v[k] !== undefined) input[k] = v[k] as number;
    }
    const { recipe, notes } = resolveRecipe(input);
    const out = resolve(io.cwd, (v.output as string | undefined) ?? `${defaultModelName(recipe.shape, recipe.dtype)}.gguf`);
    const dir = dirname(out);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError([{ where: '--output', message: `folder ${dir} does not exist`, hint: 'create it first, or write elsewhere with -o FILE' }]);
    }
    const bytes = modelLayout(recipe).fileBytes;
    const free = freeBytes(dir);
    if (free !== null && bytes > free) {
      throw new SetupError('LLMBENCH_DISK_FULL', `${out} would take ${(bytes / 1e9).toFixed(2)} GB but ${dir} has ${(free / 1e9).toFixed(2)} GB free`, 'free some space, write elsewhere with -o, or make fewer layers (--layers) or a smaller --dtype');
    }
    const t0 = performance.now();
    const made = await makeModel(out, recipe);
    io.stdout(describe(made, (performance.now() - t0) / 1000));
    for (const n of notes) io.stderr(`note: ${n}\n`);
    return 0;
  },
};
