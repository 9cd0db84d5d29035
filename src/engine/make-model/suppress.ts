/**
 * Keeping a random model from generating tokens it should not: end-of-generation and control tokens (random
 * generation should run to max_tokens, like a real model asked for a long answer) and tokens that are not valid
 * UTF-8 on their own (lone bytes ≥ 0x80), which make servers fail on the output (llama-server v0.4.0 answers
 * /completion with HTTP 500 "does not match the expected Content-only format" when random bytes form invalid UTF-8).
 *
 * How (untied embeddings): hidden channel 0 is made a constant. Every token embedding has channel 0 = c, and no
 * layer writes to it (row 0 of attn_output and ffn_down is zero, so is the matching bias entry), so at every position
 * and depth the residual's channel 0 is exactly c and, after the final RMSNorm, h₀ = c / rms(x) > 0. The output row
 * of each suppressed token is (-B, 0, …, 0) and every other token's output row has 0 in channel 0, so a suppressed
 * token's logit is -B·h₀ while the others keep their random N(0, σ²) logits: with c = 2√E and B = 8, h₀ is a few
 * units or more and the suppressed logits sit tens of units below the rest, a probability below e^-20.
 * The tensors and their shapes are unchanged, so the compute per token is exactly that of the real shape.
 *
 * Tied embeddings (one matrix for input and output) cannot hold both roles, so there the suppressed tokens' rows are
 * only zeroed: their logit is 0 against N(0, σ²) for the others (see weights.ts on σ), which makes them rare, not impossible.
 */
import { type ModelShape, type TensorPlan } from './shape.js';
import { type RowEdits } from './weights.js';

export const ANCHOR_SCALE = 2;
export const SUPPRESS_WEIGHT = 8;

/** The constant value of hidden channel 0 in every token embedding. */
export function anchorValue(hidden: number): number {
  return ANCHOR_SCALE * Math.sqrt(hidden);
}

/** Tensors that write into the residual stream: their output unit 0 must stay silent. */
function writesResidual(name: string): boolean {
  return /\.(attn_output|ffn_down|ffn_down_exps)\.(weight|bias)$/.test(name);
}

/** The row edits that implement suppression for one tensor (none for tensors it does not touch). */
export function rowEdits(t: TensorPlan, shape: ModelShape, suppressed: ReadonlySet<number>): RowEdits {
  const E = shape.hidden;
  if (suppressed.size === 0) return {};
  if (shape.tiedEmbeddings) {
    return t.role === 'embedding' ? { zero: (r) => suppressed.has(r) } : {};
  }
  if (t.role === 'embedding') {
    const c = anchorValue(E);
    return { first: () => c };
  }
  if (t.role === 'output') {
    return { zero: (r) => suppressed.has(r), first: (r) => (suppressed.has(r) ? -SUPPRESS_WEIGHT : 0) };
  }
  if (writesResidual(t.name)) {
    // A bias is one row of E values: its element 0 is channel 0. A weight's row r is output unit r mod E.
    return t.role === 'bias' ? { first: () => 0 } : { zero: (r) => r % E === 0 };
  }
  return {};
}
