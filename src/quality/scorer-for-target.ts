/**
 * Which TokenScorer computes perplexity for a target: the embedded engine's own (from its logits), or a
 * ServerScorer for servers that return prompt log-probabilities. Everything else is refused before any
 * request is sent, with the reason (serverScorerSupport).
 */
import { UsageError } from '../core/errors.js';
import { type TokenScorer } from '../core/scorer.js';
import { type Target } from '../targets/target.js';
import { ServerScorer, serverScorerSupport } from './server-scorer.js';

export interface ScorerForTargetOptions {
  /** Auth and custom headers the target uses (never recorded). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** The server's context size when known (vLLM max_model_len); null = unknown, the server enforces it. */
  contextSize?: number | null;
}

/** A target that can score token sequences itself (the embedded engine). */
interface ScoringTarget extends Target {
  scorer(): TokenScorer;
}

function hasScorer(t: Target): t is ScoringTarget {
  return typeof (t as Partial<ScoringTarget>).scorer === 'function';
}

export function scorerForTarget(target: Target, o: ScorerForTargetOptions = {}): TokenScorer {
  if (hasScorer(target)) return target.scorer();
  const kind = target.info.server?.detected ?? target.info.kind;
  const style = serverScorerSupport(kind);
  const tokenizer = target.tokenizer();
  if (!tokenizer) {
    throw new UsageError([{ where: '--perplexity', message: `perplexity on a ${kind} server needs its tokenizer endpoint (/tokenize), to place the windows on token boundaries, and none was found`, hint: 'start the server with its tokenize endpoint enabled, or use --target embedded with the GGUF file' }]);
  }
  if (!target.info.url) throw new UsageError([{ where: '--perplexity', message: `the ${kind} target has no URL to send scoring requests to` }]);
  return new ServerScorer({
    url: target.info.url,
    model: target.info.model,
    style,
    tokenizer,
    // Unknown context: let the server reject a window that is too long (SetupError with the server's message).
    maxTokens: o.contextSize ?? Number.MAX_SAFE_INTEGER,
    headers: o.headers,
    timeoutMs: o.timeoutMs,
    kind,
  });
}
