/**
 * The few node-llama-cpp addon entry points the engine drives directly (node-llama-cpp 3.21.1, pinned exactly:
 * these are internals, reached through the public objects: `context._ctx` is the AddonContext,
 * `llama._bindings.AddonSampler` the sampler class; see llama/addon/AddonContext.cpp and AddonSampler.cpp).
 *
 * Why not LlamaContextSequence.evaluate(): its per-token JavaScript costs about 0.2 ms (docs/engine.md):
 * it re-resolves and re-applies the sampler configuration, takes two locks, and waits a setImmediate for the
 * batch dispatch on every token. That halves tokens/s on a model whose llama_decode takes 0.1–0.3 ms.
 */
import { type Llama, type LlamaContext, type LlamaContextSequence } from 'node-llama-cpp';

export interface AddonContext {
  initBatch(size: number): void;
  /** Adds tokens of one sequence at positions first..; returns the batch indexes of the logits asked for. */
  addToBatch(sequenceId: number, firstPosition: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  /** Samples from the logits at a batch index: the token, or [token, flat [id, p, id, p...] | undefined, confidence]. */
  sampleToken(batchLogitIndex: number, sampler: AddonSampler, probabilities?: boolean, confidence?: boolean): Promise<number | [number, number[] | undefined, number | undefined]>;
  /** llama_memory_seq_rm(seq, -1, -1): empties one sequence's KV cells. */
  disposeSequence(sequenceId: number): void;
  /** llama_memory_seq_rm(seq, start, end): removes the cells at positions [start, end); end −1 = to the end. */
  removeTokenCellsFromSequence(sequenceId: number, startPos: number, endPos: number): boolean;
  setThreads(threads: number): void;
}

export interface AddonSampler {
  applyConfig(config: Record<string, unknown>): void;
  dispose(): void;
}

export interface SamplerConfig {
  temperature: number;
  seed: number;
  /** Tokens whose logit gets −∞ (length forcing bans end-of-generation tokens). */
  banned?: readonly number[];
}

export interface Native {
  ctx: AddonContext;
  newSampler(cfg: SamplerConfig): AddonSampler;
  sequenceId(seq: LlamaContextSequence): number;
}

export function native(llama: Llama, context: LlamaContext): Native {
  const ctx = (context as unknown as { _ctx: AddonContext })._ctx;
  const model = (context.model as unknown as { _model: unknown })._model;
  const Sampler = (llama as unknown as { _bindings: { AddonSampler: new (model: unknown) => AddonSampler } })._bindings.AddonSampler;
  if (!ctx || typeof ctx.decodeBatch !== 'function' || typeof Sampler !== 'function') {
    throw new Error('this node-llama-cpp version does not expose the addon the engine drives (pin node-llama-cpp 3.21.1)');
  }
  return {
    ctx,
    sequenceId: (seq) => (seq as unknown as { _sequenceId: number })._sequenceId,
    newSampler(cfg) {
      const s = new Sampler(model);
      // node-llama-cpp's own defaults for evaluate() (LlamaContext.js _resolveSamplerConfig): topK 40, topP 0.95,
      // minP 0; temperature ≤ 0 makes the chain greedy, which leaves the logits untouched.
      s.applyConfig({
        temperature: cfg.temperature,
        minP: 0,
        topK: 40,
        topP: 0.95,
        seed: cfg.seed,
        ...(cfg.banned && cfg.banned.length > 0
          ? { tokenBiasKeys: Uint32Array.from(cfg.banned), tokenBiasValues: new Float32Array(cfg.banned.length).fill(Number.NEGATIVE_INFINITY) }
          : {}),
      });
      return s;
    },
  };
}
