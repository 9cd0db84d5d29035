/**
 * Perplexity over a text, in fixed-size windows, from per-token log-probabilities (a TokenScorer: the embedded
 * engine's logits, or a server's prompt log-probabilities).
 *
 *   PPL = exp( −(1/N) · Σ ln p(t_i | context_i) )   over the N scored tokens
 *
 * Windows follow llama.cpp's llama-perplexity (tools/perplexity/perplexity.cpp), so the embedded engine's
 * number can be checked against it on the same model, text and context size:
 *
 * stride = window (default; llama-perplexity without --ppl-stride): the tokens are cut into
 *   ⌊N/W⌋ non-overlapping windows; position 0 of each window is replaced by BOS (when the model has one); the
 *   first half is context only and positions ⌊W/2⌋+1 … W−1 are scored (W/2 − 1 tokens per window: llama.cpp
 *   reads logits from position ⌊W/2⌋ on, each predicting the next token):
 *
 *       window k:  [BOS ctx ctx … ctx | s s s … s]        s = scored
 *                   0              W/2         W−1
 *
 * stride S < window (llama-perplexity --ppl-stride S): windows start every S tokens, ⌈(N−W)/S⌉ of them, tokens
 *   used as they are (llama.cpp's v2 loop substitutes BOS only after decoding, so the model never sees it), and
 *   each window scores its last S tokens, so every token after the first W−S is scored exactly once, each with
 *   at least W−S tokens of context:
 *
 *       window 0:  [c c c c c c | s s]
 *       window 1:      [c c c c c c | s s]          (S = 2, W = 8)
 *
 * The uncertainty is llama-perplexity's: ±PPL·√(Var(nll)/(N−1)), Var over the scored tokens.
 */
import { readFile } from 'node:fs/promises';
import { SetupError, UsageError } from '../core/errors.js';
import { type TokenScorer } from '../core/scorer.js';

export interface PerplexityResult {
  perplexity: number;
  /** Mean negative log-likelihood per scored token, natural log (nats). */
  nll_mean: number;
  /** llama-perplexity's "+/-": PPL · √(Var(nll)/(N−1)); null with fewer than 2 scored tokens. */
  perplexity_error: number | null;
  tokens_scored: number;
  /** Tokens in the whole text (BOS included when the model adds one). */
  tokens_total: number;
  windows: number;
  window: number;
  stride: number;
  /** 'halves' (stride = window) or 'strided'. */
  method: 'halves' | 'strided';
  /** The scorer's tokenizer: perplexities are only comparable under the same tokenizer, window and stride. */
  tokenizer: string;
  scorer: string;
  bos: number | null;
  /** The text file scored. */
  source: string;
}

/** One window: tokens [start, start+length), scoring the tokens at positions [scoreFrom, length). */
export interface WindowPlan {
  start: number;
  length: number;
  scoreFrom: number;
  /** Replace position 0 with BOS before scoring. */
  bosFirst: boolean;
}

/** The windows llama-perplexity would evaluate on `nTokens` tokens (see the file comment). */
export function planWindows(nTokens: number, window: number, stride: number, hasBos: boolean): WindowPlan[] {
  if (!Number.isInteger(window) || window < 4) throw new RangeError(`window ${window} must be an integer ≥ 4`);
  if (!Number.isInteger(stride) || stride < 1 || stride > window) throw new RangeError(`stride ${stride} must be an integer in 1..${window}`);
  const plans: WindowPlan[] = [];
  if (stride === window) {
    const first = Math.floor(window / 2);
    for (let k = 0; k < Math.floor(nTokens / window); k++) plans.push({ start: k * window, length: window, scoreFrom: first + 1, bosFirst: hasBos });
  } else {
    const n = nTokens > window ? Math.ceil((nTokens - window) / stride) : 0;
    for (let k = 0; k < n; k++) plans.push({ start: k * stride, length: window, scoreFrom: window - stride, bosFirst: false });
  }
  return plans;
}

/** Tokens needed for at least one window (used to explain a too-short text). */
export function minTokens(window: number, stride: number): number {
  return stride === window ? window : window + 1;
}

/** What --perplexity asked for (src/cli/options/quality.ts perplexityRequest). */
export interface PerplexityRequest {
  path: string;
  /** null: min(512, the scorer's context). */
  window: number | null;
  /** null: equal to the window. */
  stride: number | null;
}

export interface PerplexityOptions {
  /** Tokens per window; null = min(512, scorer.maxTokens). */
  window: number | null;
  /** null = the window. */
  stride: number | null;
  /** Named in the result (`source`) and in errors. */
  sourceName: string;
  signal?: AbortSignal;
  /** Called after each window with (done, total). */
  onWindow?: (done: number, total: number) => void;
}

/** Perplexity of `text` under `scorer` (see the file comment for the windows). */
export async function perplexityOfText(scorer: TokenScorer, text: string, o: PerplexityOptions): Promise<PerplexityResult> {
  const window = o.window ?? Math.min(512, scorer.maxTokens);
  const stride = o.stride ?? window;
  if (window > scorer.maxTokens) throw new UsageError([{ where: '--perplexity-window', message: `${window} is larger than the ${scorer.maxTokens} tokens ${scorer.description} accepts`, hint: `use --perplexity-window ${scorer.maxTokens} or less` }]);
  if (stride > window) throw new UsageError([{ where: '--perplexity-stride', message: `${stride} is larger than the window ${window}` }]);
  const bos = scorer.bos ?? null;
  let ids = await scorer.tokenize(text);
  // llama-perplexity tokenizes with add_special=true: BOS first when the model adds one.
  if (bos !== null && ids[0] !== bos) ids = [bos, ...ids];
  const plans = planWindows(ids.length, window, stride, bos !== null);
  if (plans.length === 0) {
    throw new UsageError([{ where: '--perplexity', message: `${o.sourceName} is ${ids.length} tokens long; window ${window} with stride ${stride} needs at least ${minTokens(window, stride)}`, hint: 'give a longer text or a smaller --perplexity-window' }]);
  }
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let w = 0; w < plans.length; w++) {
    o.signal?.throwIfAborted();
    const p = plans[w]!;
    const seq = ids.slice(p.start, p.start + p.length);
    if (p.bosFirst) seq[0] = bos!;
    const lp = await scorer.scoreTokens(seq);
    if (lp.length !== seq.length) throw new SetupError('LLMBENCH_SCORER_LENGTH', `${scorer.description} returned ${lp.length} log-probabilities for ${seq.length} tokens`, 'the server does not echo the prompt token by token; perplexity needs a server that returns prompt log-probabilities');
    for (let i = p.scoreFrom; i < p.length; i++) {
      const v = lp[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || v > 1e-6) {
        throw new SetupError('LLMBENCH_SCORER_VALUE', `${scorer.description} gave no usable log-probability for token ${p.start + i} (${String(v)})`, 'the scorer must return a natural-log probability ≤ 0 for every prompt token after the first');
      }
      sum -= v;
      sumSq += v * v;
      count++;
    }
    o.onWindow?.(w + 1, plans.length);
  }
  const mean = sum / count;
  const ppl = Math.exp(mean);
  const variance = sumSq / count - mean * mean;
  return {
    perplexity: ppl,
    nll_mean: mean,
    perplexity_error: count > 1 && variance > 0 ? ppl * Math.sqrt(variance / (count - 1)) : null,
    tokens_scored: count,
    tokens_total: ids.length,
    windows: plans.length,
    window,
    stride,
    method: stride === window ? 'halves' : 'strided',
    tokenizer: scorer.tokenizer,
    scorer: scorer.description,
    bos,
    source: o.sourceName,
  };
}

/** Reads `path` (the --perplexity file) and computes its perplexity. */
export async function perplexityOfFile(scorer: TokenScorer, path: string, o: Omit<PerplexityOptions, 'sourceName'>): Promise<PerplexityResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError([{ where: '--perplexity', message: `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, hint: 'give the path of a local text file' }]);
  }
  // llama.cpp's `-f` drops one trailing newline (common/arg.cpp); so does this, so both see the same tokens.
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.trim() === '') throw new UsageError([{ where: '--perplexity', message: `${path} is empty`, hint: 'give a text file with enough text for at least one window' }]);
  return perplexityOfText(scorer, text, { ...o, sourceName: path });
}
