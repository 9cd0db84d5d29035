/**
 * Child side: log-probability of each token given its prefix, for perplexity (src/core/scorer.ts).
 *
 * node-llama-cpp exposes next-token probabilities through controlledEvaluate(generateNext.probabilities). With
 * temperature 0 its sampler chain is greedy only, which leaves the logits untouched, and the addon returns
 * softmax(logits) over the whole vocabulary (AddonContext.cpp SampleToken, 3.21.1): the same distribution
 * llama-perplexity takes its log-softmax of. Evaluated in chunks so only CHUNK full-vocabulary maps exist at once.
 */
import { type ControlledEvaluateInputItem, type LlamaContextSequence, type Token } from 'node-llama-cpp';

const CHUNK = 64;

export async function scoreTokens(seq: LlamaContextSequence, ids: readonly number[]): Promise<Array<number | null>> {
  if (ids.length > seq.contextSize) throw new Error(`${ids.length} tokens exceed the context of ${seq.contextSize} per sequence`);
  const out: Array<number | null> = new Array(ids.length).fill(null);
  await seq.clearHistory();
  try {
    for (let start = 0; start < ids.length; start += CHUNK) {
      const end = Math.min(ids.length, start + CHUNK);
      const input: ControlledEvaluateInputItem[] = [];
      for (let i = start; i < end; i++) {
        input.push(i + 1 < ids.length ? [ids[i] as Token, { generateNext: { probabilities: true } }] : (ids[i] as Token));
      }
      const res = await seq.controlledEvaluate(input);
      for (let i = start; i < end && i + 1 < ids.length; i++) {
        const p = res[i - start]?.next.probabilities?.get(ids[i + 1] as Token) ?? 0;
        out[i + 1] = p > 0 ? Math.log(p) : Number.NEGATIVE_INFINITY;
      }
    }
  } finally {
    await seq.clearHistory();
  }
  return out;
}
