/**
 * Child side: log-probability of each token given its prefix, for perplexity (src/core/scorer.ts).
 *
 * The tokens are decoded with logits at every position; a greedy sampler (temperature 0: the chain is greedy
 * only, which leaves the logits untouched) returns softmax(logits) over the whole vocabulary
 * (AddonContext.cpp SampleToken with probabilities, node-llama-cpp 3.21.1): the distribution llama-perplexity takes
 * its log-softmax of.
 *
 * A window is decoded in as few batches as the context's batch size allows (one, for windows up to it, as
 * llama-perplexity does with -b ≥ -c); later batches attend to the KV cells of the earlier ones. (Run-to-run
 * different log-probabilities of those later batches, once seen in 2 of 8 fresh engines, came from node-llama-cpp
 * emptying the KV cells of garbage-collected sequence objects: session.ts.)
 */
import { type Native } from './native.js';
import { type Scheduler } from './scheduler.js';


export async function scoreTokens(nat: Native, sched: Scheduler, ids: readonly number[]): Promise<Array<number | null>> {
  if (ids.length > sched.contextSize) throw new Error(`${ids.length} tokens exceed the context of ${sched.contextSize} per sequence`);
  const out: Array<number | null> = new Array(ids.length).fill(null);
  const seqId = await sched.acquire();
  const sampler = nat.newSampler({ temperature: 0, seed: 0 });
  try {
    const chunk = Math.max(1, sched.batchSize);
    for (let start = 0; start < ids.length; start += chunk) {
      const end = Math.min(ids.length, start + chunk);
      const tokens = Uint32Array.from(ids.slice(start, end));
      // Logits at every position that has a next token to score.
      const want = Uint32Array.from({ length: Math.min(end, ids.length - 1) - start }, (_, i) => i);
      const release = await sched.mutex.lock();
      let rows: Array<number | [number, number[] | undefined, number | undefined]>;
      try {
        nat.ctx.initBatch(tokens.length);
        const idx = nat.ctx.addToBatch(seqId, start, tokens, want);
        await nat.ctx.decodeBatch();
        // One at a time: a sampler must not be used from two threads at once (node-llama-cpp locks it too).
        rows = [];
        for (const bi of idx) rows.push(await nat.ctx.sampleToken(bi, sampler, true));
      } finally {
        release();
      }
      rows.forEach((row, i) => {
        const target = ids[start + i + 1]!;
        const flat = Array.isArray(row) ? row[1] : undefined;
        let p = 0;
        if (flat) {
          for (let k = 0; k < flat.length; k += 2) {
            if (flat[k] === target) {
              p = flat[k + 1]!;
              break;
            }
          }
        }
        out[start + i + 1] = p > 0 ? Math.log(p) : Number.NEGATIVE_INFINITY;
      });
    }
  } finally {
    // Its KV cells are emptied by the next acquire(), under the scheduler's mutex.
    sampler.dispose();
    sched.release(seqId);
  }
  return out;
}
