/**
 * --tokenizer PATH: a local tokenizer when the server has no tokenize endpoint. A Hugging Face tokenizer.json
 * (pure JS, @huggingface/tokenizers; tokenizer_config.json beside it is read when present), or a GGUF file whose
 * vocabulary node-llama-cpp loads vocab-only (no weights are read).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { type Tokenizer } from '../core/tokenizer.js';

export async function loadLocalTokenizer(path: string): Promise<Tokenizer> {
  if (!existsSync(path)) throw new UsageError([{ where: '--tokenizer', message: `${path} does not exist`, hint: 'give the path of a tokenizer.json or a .gguf file' }]);
  return path.toLowerCase().endsWith('.gguf') ? ggufTokenizer(path) : tokenizerJson(path);
}

async function tokenizerJson(path: string): Promise<Tokenizer> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError([{ where: '--tokenizer', message: `${path} is not a JSON tokenizer file (${(e as Error).message})`, hint: 'use a Hugging Face tokenizer.json or a .gguf file' }]);
  }
  const cfgPath = join(dirname(path), 'tokenizer_config.json');
  const config = existsSync(cfgPath) ? JSON.parse(readFileSync(cfgPath, 'utf8')) : {};
  const { Tokenizer: HfTokenizer } = await import('@huggingface/tokenizers');
  let tok: InstanceType<typeof HfTokenizer>;
  try {
    tok = new HfTokenizer(json as object, config as object);
  } catch (e) {
    throw new UsageError([{ where: '--tokenizer', message: `${path} could not be loaded as a tokenizer (${(e as Error).message})` }]);
  }
  return {
    source: 'local_tokenizer',
    description: `tokenizer.json (${path})`,
    encode: async (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: async (ids) => tok.decode(ids),
    countPrompt: async (text) => tok.encode(text, { add_special_tokens: true }).ids.length,
  };
}

async function ggufTokenizer(path: string): Promise<Tokenizer> {
  const { getLlama } = await import('node-llama-cpp');
  // A vocabulary-only GGUF has no tensors; llama.cpp logs that as an error although the vocabulary loads fine.
  const llama = await getLlama({ gpu: false, build: 'never', logger: () => undefined });
  let model;
  try {
    model = await llama.loadModel({ modelPath: path, vocabOnly: true });
  } catch (e) {
    throw new UsageError([{ where: '--tokenizer', message: `${path}: cannot read its vocabulary (${(e as Error).message})` }]);
  }
  const bos = model.tokens.bos;
  const addBos = model.tokens.shouldPrependBosToken;
  return {
    source: 'local_tokenizer',
    description: `GGUF vocabulary (${path})`,
    encode: async (text) => Array.from(model.tokenize(text, false, 'trimLeadingSpace')).map(Number),
    decode: async (ids) => model.detokenize(ids as never),
    countPrompt: async (text) => model.tokenize(text, false, 'trimLeadingSpace').length + (addBos && bos !== null ? 1 : 0),
  };
}
