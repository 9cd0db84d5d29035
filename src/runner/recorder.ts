/**
 * The StreamSink the runner hands to a target: it turns stream callbacks into one RequestRecord, taking every
 * timestamp on the run clock the moment the callback fires (or using the target's own `at`, for the embedded
 * engine, whose timestamps are taken in its process). The hot path (delta) only pushes a number and adds lengths.
 */
import { type Clock } from '../core/clock.js';
import { type EngineMeasurements, type RequestRecord, type ServerTimings, type TokenCountSource } from '../core/record.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { deriveRequest } from '../metrics/derive.js';
import { type Delta, RequestFailure, type StreamSink, type UsageReport } from '../targets/target.js';

export interface RecordSeed {
  scenario_id: string;
  repeat: number;
  index: number;
  warmup: boolean;
  scheduled_at: number;
  input_tokens: number | null;
  input_tokens_source: TokenCountSource | null;
  requested_output_tokens: number | null;
  length_forced: boolean | null;
}

export class Recorder implements StreamSink {
  readonly rec: RequestRecord;
  private text: string[] = [];
  private joined: string | null = null;
  private reasoning: string[] = [];
  private tokensKnown = true;
  private usageInput: number | null = null;

  constructor(private readonly clock: Clock, seed: RecordSeed, private readonly collectText: boolean) {
    this.rec = {
      ...seed,
      input_tokens_expected: seed.input_tokens,
      sent_at: null,
      first_token_at: null,
      first_output_at: null,
      ended_at: null,
      completed_at: null,
      chunk_times: [],
      chunk_tokens: [],
      ttft_ms: null,
      ttfo_ms: null,
      e2e_ms: null,
      tpot_ms: null,
      max_itl_ms: null,
      last_itl_ms: null,
      schedule_lag_ms: null,
      output_tokens: null,
      output_tokens_source: null,
      output_tokens_usage: null,
      output_tokens_chunks: 0,
      output_tokens_tokenizer: null,
      reasoning_tokens: null,
      cached_tokens: null,
      output_short: null,
      output_chars: 0,
      chars_per_token: null,
      tokens_per_s: null,
      finish_reason: null,
      status: 'ok',
      error: null,
    };
  }

  markSent(): void {
    this.rec.sent_at = this.clock.now();
  }

  headers(): void {}

  delta(d: Delta): void {
    const t = d.at ?? this.clock.now();
    const r = this.rec;
    if (r.first_token_at === null) r.first_token_at = t;
    if (d.text) {
      if (r.first_output_at === null) r.first_output_at = t;
      r.output_chars += d.text.length;
      if (this.collectText) this.text.push(d.text);
    }
    if (d.reasoning && this.collectText) this.reasoning.push(d.reasoning);
    r.chunk_times.push(t);
    r.ended_at = t;
    if (d.tokens !== undefined) {
      r.chunk_tokens!.push(d.tokens);
      r.output_tokens_chunks += d.tokens;
    } else {
      this.tokensKnown = false;
      r.output_tokens_chunks += 1;
    }
  }

  usage(u: UsageReport): void {
    if (u.completion_tokens !== undefined && u.completion_tokens !== null) this.rec.output_tokens_usage = u.completion_tokens;
    if (u.prompt_tokens !== undefined && u.prompt_tokens !== null) this.usageInput = u.prompt_tokens;
    if (u.reasoning_tokens !== undefined && u.reasoning_tokens !== null) this.rec.reasoning_tokens = u.reasoning_tokens;
    if (u.cached_tokens !== undefined && u.cached_tokens !== null) this.rec.cached_tokens = u.cached_tokens;
  }

  serverTimings(t: ServerTimings): void {
    this.rec.server_timings = { ...(this.rec.server_timings ?? {}), ...t };
  }

  engine(m: EngineMeasurements): void {
    this.rec.engine = { ...(this.rec.engine ?? {}), ...m };
  }

  finish(reason: string | null, at?: number): void {
    this.rec.finish_reason = reason;
    if (at !== undefined && this.rec.ended_at === null) this.rec.ended_at = at;
  }

  note(text: string): void {
    (this.rec.notes ??= []).push(text);
    if (text.startsWith('length_not_forced')) this.rec.length_forced = false;
  }

  retry(): void {
    const r = this.rec;
    r.sent_at = this.clock.now();
    r.first_token_at = r.first_output_at = r.ended_at = null;
    r.chunk_times = [];
    r.chunk_tokens = [];
    r.output_tokens_chunks = 0;
    r.output_chars = 0;
    this.text = [];
    this.joined = null;
    this.reasoning = [];
    this.tokensKnown = true;
  }

  fail(e: unknown): void {
    const f = e instanceof RequestFailure ? e : new RequestFailure('client', (e as Error)?.message ?? String(e));
    this.rec.status = f.kind === 'timeout' ? 'timeout' : f.kind === 'aborted' ? 'aborted' : 'error';
    this.rec.error = { kind: f.kind, message: f.message, http_status: f.httpStatus };
  }

  /** The generated text; read once the request has ended (finalize and after), so it is joined once. */
  outputText(): string {
    return (this.joined ??= this.text.join(''));
  }

  /**
   * Closes the record: input count (the server's usage, when reported, is what the model really processed),
   * output count by the tokenizer when the server reported no usage, then the derived metrics.
   */
  async finalize(tokenizer: Tokenizer | null): Promise<RequestRecord> {
    const r = this.rec;
    r.completed_at ??= this.clock.now();
    if (!this.tokensKnown) r.chunk_tokens = null;
    if (this.usageInput !== null) {
      r.input_tokens = this.usageInput;
      r.input_tokens_source = 'usage';
    }
    if (r.status === 'ok' && r.output_tokens_usage === null && tokenizer && this.text.length) {
      try {
        r.output_tokens_tokenizer = (await tokenizer.encode(this.outputText())).length;
      } catch {
        // counted by chunks instead; the source field says so
      }
    }
    if (this.collectText) {
      r.output_text = this.outputText();
      if (this.reasoning.length) r.reasoning_text = this.reasoning.join('');
    }
    return deriveRequest(r, r.output_tokens_tokenizer !== null && tokenizer ? tokenizer.source : null);
  }
}
