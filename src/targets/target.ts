/**
 * How a model is reached. One Target implementation per protocol (src/targets/<name>.ts), plus the embedded
 * engine. The runner hands a GenerationRequest and a StreamSink to `send`; the target calls the sink as bytes
 * arrive, and the sink (src/runner/recorder.ts) takes the timestamps. Targets never compute metrics.
 */
import { type ChatMessage } from '../core/chat.js';
import { type EngineMeasurements, type ServerTimings } from '../core/record.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { type ApiStyle, type TargetInfo } from '../core/target-info.js';

export { RequestFailure } from '../core/failure.js';
export type { ApiStyle, LengthForcing, TargetInfo } from '../core/target-info.js';

export interface GenerationRequest {
  /** Unique per request; sent as x-request-id where the protocol allows, so server logs can be joined. */
  id: string;
  /** Chat-style prompt (chat API). */
  messages?: ChatMessage[];
  /** Completion-style prompt (completions and most native APIs). */
  prompt?: string;
  /** Cap on output tokens; null = the server's default. */
  max_tokens: number | null;
  /** Ask the server to generate exactly max_tokens (ignore_eos / min_tokens / ...). */
  force_length: boolean;
  temperature: number | null;
  seed: number | null;
  /** Merged last into the request body (--extra-body). */
  extra_body: Record<string, unknown>;
}

/** A request as one prompt string, for completion-style and native APIs (a chat's messages joined by lines). */
export function promptText(req: GenerationRequest): string {
  return req.prompt ?? (req.messages ?? []).map((m) => m.content).join('\n');
}

/** What a streamed chunk carried. */
export interface Delta {
  text?: string;
  reasoning?: string;
  /** Number of tokens in this chunk, when the protocol tells (token ids, cumulative counters). */
  tokens?: number;
  /** Run-relative timestamp taken where the token was produced (embedded engine); else the sink takes now(). */
  at?: number;
}

export interface UsageReport {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  reasoning_tokens?: number | null;
  cached_tokens?: number | null;
}

export interface StreamSink {
  /** Response headers arrived with this status (before the first chunk). */
  headers(status: number): void;
  delta(d: Delta): void;
  usage(u: UsageReport): void;
  serverTimings(t: ServerTimings): void;
  engine(m: EngineMeasurements): void;
  /** The stream ended properly (finish_reason / done / stop seen). */
  finish(reason: string | null, at?: number): void;
  /** Something worth keeping on the record (e.g. 'length_not_forced: server rejected ignore_eos'). */
  note(text: string): void;
  /** The target is re-sending this request (e.g. after dropping a rejected field); resets its timestamps. */
  retry(): void;
}

export interface Target {
  readonly info: TargetInfo;
  send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void>;
  /** The target's own tokenizer (server endpoint or engine), or null. */
  tokenizer(): Tokenizer | null;
  close(): Promise<void>;
}
