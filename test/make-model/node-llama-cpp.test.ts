// Made models load in node-llama-cpp (the embedded engine) and generate; a copied tokenizer behaves exactly like
// the source vocab GGUF it was copied from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type Token } from 'node-llama-cpp';
import { makeModel } from '../../src/engine/make-model/make.js';
import { completeShape } from '../../src/engine/make-model/shape.js';
import { builtinVocab, vocabFromGguf } from '../../src/engine/make-model/vocab.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-nlc-'));
let llama: Llama | undefined;
const getEngine = async () => (llama ??= await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error }));
test.after(async () => {
  await llama?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const small = (vocab: number, extra: Partial<Parameters<typeof completeShape>[0]> = {}) =>
  completeShape({ layers: 2, hidden: 64, heads: 4, kvHeads: 2, ffn: 128, context: 512, vocab, ...extra });

test('a built-in-vocab model loads and generates exactly N tokens, finite and never an end token', async () => {
  const path = join(dir, 'byte.gguf');
  await makeModel(path, { shape: small(259), dtype: 'q8_0', seed: 5, vocab: builtinVocab(259) });
  const engine = await getEngine();
  const model = await engine.loadModel({ modelPath: path });
  try {
    assert.equal(model.vocabularyType, 'bpe');
    // One token per byte: the ids are the UTF-8 bytes themselves, and no BOS is added.
    const ids = model.tokenize('Hi, é!');
    assert.deepEqual([...ids], [72, 105, 44, 32, 0xc3, 0xa9, 33]);
    assert.equal(model.detokenize(ids), 'Hi, é!');
    assert.deepEqual([...model.tokenize('<|im_start|>user', true)], [257, 117, 115, 101, 114]);

    const ctx = await model.createContext({ contextSize: 256, threads: 1, batchSize: 64 });
    try {
      const seq = ctx.getSequence();
      const N = 24;
      const out: Array<{ token: Token; confidence: number }> = [];
      for await (const o of seq.evaluateWithMetadata([...ids], { confidence: true }, { temperature: 1, seed: 11, yieldEogToken: true })) {
        out.push({ token: o.token, confidence: o.confidence });
        if (out.length === N) break;
      }
      assert.equal(out.length, N);
      for (const o of out) {
        assert.ok(Number.isFinite(o.confidence) && o.confidence > 0 && o.confidence <= 1, `confidence ${o.confidence}`);
        assert.equal(model.isEogToken(o.token), false);
        // Suppressed tokens never come out: only printable ASCII, tab and newline.
        assert.ok((o.token >= 0x20 && o.token < 0x7f) || o.token === 9 || o.token === 10, `token ${o.token}`);
      }
    } finally {
      await ctx.dispose();
    }
  } finally {
    await model.dispose();
  }
});

test('a Mixtral-style MoE model with tied embeddings and biases loads and generates', async () => {
  const path = join(dir, 'moe.gguf');
  const shape = small(300, { experts: 4, expertsUsed: 2, tiedEmbeddings: true, qkvBias: true, outBias: true });
  await makeModel(path, { shape, dtype: 'f16', seed: 1, vocab: builtinVocab(300) });
  const model = await (await getEngine()).loadModel({ modelPath: path });
  try {
    const ctx = await model.createContext({ contextSize: 128, threads: 1, batchSize: 32 });
    const seq = ctx.getSequence();
    const got: number[] = [];
    for await (const t of seq.evaluate([...model.tokenize('abc')], { temperature: 0, yieldEogToken: true })) {
      got.push(t);
      if (got.length === 8) break;
    }
    assert.equal(got.length, 8);
    await ctx.dispose();
  } finally {
    await model.dispose();
  }
});

const TEXT = 'Hello world! Ünïcödé 😀 naïve café\n\tcode: x = [1, 2]; // done.  Two  spaces, 12345 digits.';

for (const name of ['llama-spm', 'phi-3', 'gpt-2']) {
  test(`tokenizer copied from ggml-vocab-${name}.gguf gives the source's ids and text`, async () => {
    const source = `../shared/fixtures/vocab/ggml-vocab-${name}.gguf`;
    const vocab = vocabFromGguf(source);
    const path = join(dir, `${name}.gguf`);
    await makeModel(path, { shape: small(vocab.size), dtype: 'f16', seed: 2, vocab });
    const engine = await getEngine();
    const [made, src] = [await engine.loadModel({ modelPath: path }), await engine.loadModel({ modelPath: source, vocabOnly: true })];
    try {
      const ids = made.tokenize(TEXT);
      assert.deepEqual([...ids], [...src.tokenize(TEXT)]);
      assert.ok(ids.length > 20);
      assert.equal(made.detokenize(ids), src.detokenize(ids));
      assert.deepEqual([made.tokens.bos, made.tokens.eos], [src.tokens.bos, src.tokens.eos]);
      const tmpl = (m: typeof made) => (m.fileInfo.metadata as { tokenizer?: { chat_template?: string } }).tokenizer?.chat_template;
      assert.equal(tmpl(made), tmpl(src));
      assert.equal(tmpl(made) !== undefined, name === 'phi-3');
    } finally {
      await made.dispose();
      await src.dispose();
    }
  });
}
