// Greedy output must depend on nothing but the tokens. These tests load the engine in this process, as the engine
// child does (session.ts), and check the two ways it once did not:
// - node-llama-cpp empties the KV cells of a LlamaContextSequence it finds garbage-collected (a
//   FinalizationRegistry), so the scheduler must keep those objects alive: full collections are forced in the
//   middle of a generation and of a chunked scoring (before the fix, the text after the collection, and every
//   log-probability of the batches after it, came out different);
// - llama.cpp returns a multi-sequence batch's outputs out of order and swaps them into place on the first logits
//   access, which must not race (scheduler.ts step()): concurrent requests must each get their text from alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadEngine, type Loaded } from '../../src/engine/llama/load.js';
import { openSession, type Session } from '../../src/engine/llama/session.js';
import { inputTokens } from '../../src/engine/llama/prompt.js';
import { scoreTokens } from '../../src/engine/llama/score.js';
import { type GenParams } from '../../src/engine/llama/protocol.js';
import { STORIES } from './helpers.js';

// A callable gc() without starting node with --expose-gc (the flag only has to be set before the context exists).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PROMPT = 'Once upon a time, there was a little girl named Lily who loved to play in the park';
const PARAMS: GenParams = { maxTokens: 64, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 };

// Each test loads its own engine: a sequence object is collected (and its finalizer run) only once per engine.
async function open(): Promise<{ loaded: Loaded; session: Session }> {
  // batchSize 16: a 96-token window is scored in six batches, each attending to the KV cells of those before.
  const loaded = await loadEngine({
    modelPath: STORIES, threads: 1, batchSize: 16, contextSize: 128, gpuLayers: null, kvCacheType: 'f16', flashAttention: null, sequences: 2, gpu: false,
  });
  return { loaded, session: await openSession(loaded, 1, 2) };
}

/** One greedy generation of 64 tokens; `collectAt` forces a full GC right after that many tokens. */
async function generate({ loaded, session }: { loaded: Loaded; session: Session }, collectAt: number | null): Promise<string> {
  const { sched } = session;
  const prompt = inputTokens(loaded.model, loaded.template, { kind: 'prompt', text: PROMPT }) as number[];
  const seqId = await sched.acquire();
  let text = '';
  let n = 0;
  try {
    await sched.generate(seqId, prompt, PARAMS, {
      start: () => undefined,
      token: (t) => {
        text += t;
        if (++n === collectAt) gc();
      },
      cancelled: () => false,
    }, performance.now(), 0);
  } finally {
    sched.release(seqId);
  }
  return text;
}

/** Yields to the event loop long enough for FinalizationRegistry callbacks (queued as tasks after a GC) to run. */
const settle = () => new Promise((r) => setTimeout(r, 20));

test('greedy generation is unchanged by garbage collections in the middle of it', async () => {
  const e = await open();
  const reference = await generate(e, null);
  assert.equal(reference.length > 100, true, reference);
  for (let i = 0; i < 3; i++) {
    assert.equal(await generate(e, 8 + i * 16), reference, `run ${i + 1} with a GC after ${8 + i * 16} tokens`);
    await settle();
  }
  // Still no sequence id handed back to node-llama-cpp (a reclaimed id also had its KV cells emptied).
  assert.equal(e.loaded.context.sequencesLeft, 0);
});

test('chunked scoring is unchanged by garbage collections between its batches', async () => {
  const { loaded, session } = await open();
  const ids = inputTokens(loaded.model, loaded.template, { kind: 'prompt', text: `${PROMPT}. ${PROMPT} with her friends every day.` }) as number[];
  while (ids.length < 96) ids.push(...ids.slice(1, 96 - ids.length + 1));
  assert.equal(ids.length, 96);
  const reference = await scoreTokens(session.nat, session.sched, ids);
  assert.equal(reference[0], null);
  assert.ok(reference.slice(1).every((lp) => typeof lp === 'number' && Number.isFinite(lp) && lp <= 0));
  for (let i = 0; i < 3; i++) {
    // Collected while the first batch decodes: the finalizer would run before the second batch is added.
    const scoring = scoreTokens(session.nat, session.sched, ids);
    gc();
    assert.deepEqual(await scoring, reference, `scoring ${i + 1}`);
    await settle();
  }
  assert.equal(loaded.context.sequencesLeft, 0);
});

test('concurrent greedy requests each get the text they get alone (outputs reordered by llama.cpp)', async () => {
  const loaded = await loadEngine({
    modelPath: STORIES, threads: 1, batchSize: 512, contextSize: 128, gpuLayers: null, kvCacheType: 'f16', flashAttention: null, sequences: 6, gpu: false,
  });
  const { sched } = await openSession(loaded, 1, 6);
  const prompts = ['Once upon a time', 'The cat sat on the', 'Tom had a big red', 'One day, Lily went to', 'The sun was hot and', 'Sam and his dog'];
  const params: GenParams = { ...PARAMS, maxTokens: 32 };
  /** Generates prompts[k] on sequence id k for each k in `order`, all at once; returns the texts by k. */
  const run = async (order: readonly number[]): Promise<string[]> => {
    const ids: number[] = [];
    for (let i = 0; i < prompts.length; i++) ids.push(await sched.acquire());
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 5]);
    const texts = prompts.map(() => '');
    // All queued before the first step, so every batch holds the sequences in this order.
    const ends = order.map((k) => sched.generate(k, inputTokens(loaded.model, loaded.template, { kind: 'prompt', text: prompts[k]! }) as number[], params, {
      start: () => undefined,
      token: (t) => void (texts[k] += t),
      cancelled: () => false,
    }, performance.now(), 0));
    await Promise.all(ends);
    for (const id of ids.reverse()) sched.release(id);
    return texts;
  };
  const alone: string[] = [];
  for (let k = 0; k < prompts.length; k++) alone.push((await run([k]))[k]!);
  assert.equal(new Set(alone).size, prompts.length);
  // Sequence ids 0, 2, 4, 1, 3, 5 in batch order: llama.cpp decodes them as ubatches {0,1} {2,3} {4,5}, so its
  // outputs come back out of batch order (llama_batch_allocr::split_equal) and must be swapped into place.
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(await run([0, 2, 4, 1, 3, 5]), alone, `round ${i + 1}`);
  }
});
