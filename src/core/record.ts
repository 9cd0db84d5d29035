/**
 * One request, as written to requests.jsonl (one JSON line each, appended the moment the request ends).
 * This is the raw data every summary is derived from; see docs/metrics.md for the definitions and
 * docs/requests.schema.json for the published schema.
 *
 * All `*_at` fields are milliseconds on one monotonic clock whose zero is the run's start (results.json
 * `started_at` holds the wall-clock time of that zero). A value that was not measured is null, never 0.
 */
export type TokenCountSource = 'usage' | 'server_tokenizer' | 'local_tokenizer' | 'engine' | 'chunks' | 'requested' | 'dataset';

export type RequestStatus = 'ok' | 'error' | 'timeout' | 'aborted';

export type ErrorKind =
  | 'connect' // could not connect / DNS / refused
  | 'http' // non-2xx status before the stream started
  | 'stream' // connection reset or ended mid-stream without a finish
  | 'parse' // malformed chunk
  | 'server' // an error object inside a 200 stream
  | 'timeout' // --timeout passed (no first token, or stream stalled)
  | 'aborted' // the run was interrupted
  | 'engine' // the embedded engine failed or crashed
  | 'client'; // llmbench itself failed to build or send the request

export interface RequestError {
  kind: ErrorKind;
  message: string;
  http_status: number | null;
}

/** Timings a server reported about this request, in ms (converted from whatever unit the server uses). */
export interface ServerTimings {
  source: string; // e.g. 'llamacpp.timings', 'ollama', 'sglang.meta_info', 'tgi.headers', 'triton', 'mindie'
  ttft_ms?: number | null;
  queue_ms?: number | null;
  prefill_ms?: number | null;
  decode_ms?: number | null;
  e2e_ms?: number | null;
  prompt_tokens?: number | null;
  cached_tokens?: number | null;
  output_tokens?: number | null;
  /** Per-token decode times when the server reports them (MindIE decode_time_arr). */
  decode_times_ms?: number[] | null;
  [extra: string]: unknown;
}

/** What only an in-process engine can measure (filled by the embedded target). */
export interface EngineMeasurements {
  tokenize_ms?: number | null;
  detokenize_ms?: number | null;
  prefill_ms?: number | null;
  /** Duration of each decode step, ms. */
  decode_steps_ms?: number[] | null;
  [extra: string]: unknown;
}

export interface RequestRecord {
  scenario_id: string;
  repeat: number;
  /** Position in the scenario's request sequence (warmup requests count from -warmup to -1). */
  index: number;
  warmup: boolean;
  /** When the schedule meant the request to start. */
  scheduled_at: number;
  /** When the request was actually handed to the transport. Latencies are measured from here. */
  sent_at: number | null;
  /** First streamed chunk carrying any generated text (content or reasoning) or token. */
  first_token_at: number | null;
  /** First chunk carrying non-reasoning content (TTFO). */
  first_output_at: number | null;
  /** Last token-bearing chunk; a trailing usage-only chunk does not move it. */
  ended_at: number | null;
  /** When the request was over, successfully or not (stream closed, error seen, timeout fired). */
  completed_at: number | null;
  /** Arrival time of every token-bearing chunk, ms. */
  chunk_times: number[];
  /** Tokens in each chunk where the protocol says (token ids, counters); null when unknown. */
  chunk_tokens: number[] | null;
  ttft_ms: number | null;
  ttfo_ms: number | null;
  e2e_ms: number | null;
  /** (e2e − ttft)/(output_tokens − 1); null when fewer than 2 output tokens. */
  tpot_ms: number | null;
  /** Largest gap between chunks after the first (MindIE MaxDecodeTime). */
  max_itl_ms: number | null;
  /** Last gap (MindIE LastDecodeTime). */
  last_itl_ms: number | null;
  schedule_lag_ms: number | null;
  /** Prompt tokens the model processed: usage when the server reports it, else the workload's exact count. */
  input_tokens: number | null;
  input_tokens_source: TokenCountSource | null;
  /** What the workload built the prompt to be (synthetic prompts: the requested length); null for free text. */
  input_tokens_expected: number | null;
  output_tokens: number | null;
  output_tokens_source: TokenCountSource | null;
  /** The three independent output counts, side by side (null where not available). */
  output_tokens_usage: number | null;
  output_tokens_chunks: number;
  output_tokens_tokenizer: number | null;
  reasoning_tokens: number | null;
  cached_tokens: number | null;
  /** Requested output length (max_tokens) and whether the server was asked to honour it exactly. */
  requested_output_tokens: number | null;
  length_forced: boolean | null;
  /** True when output came up short of the requested length (seed 003's early EOS). */
  output_short: boolean | null;
  output_chars: number;
  chars_per_token: number | null;
  /** output_tokens / (e2e_ms/1000). */
  tokens_per_s: number | null;
  finish_reason: string | null;
  status: RequestStatus;
  error: RequestError | null;
  output_text?: string;
  reasoning_text?: string;
  server_timings?: ServerTimings | null;
  engine?: EngineMeasurements | null;
  /** Dataset scoring (quality workloads). */
  answer?: { extracted: string | null; gold: string | null; correct: boolean | null } | null;
  notes?: string[];
  /** Conversation workloads: the session (conversation id) this request belongs to, and its 1-based turn. */
  session_id?: string;
  turn?: number;
  /** --measure-window only: the run-clock start of this request's timed phase (its repeat's), which the window counts from. */
  phase_started_at?: number;
  /** Trace replay: the 1-based line of the trace file this request replays. */
  trace_line?: number;
  /** --prefix-groups: the 0-based shared-prefix group this request's prompt starts with. */
  prefix_group?: number;
}

/**
 * requests.jsonl text back into records. Lines that are not a record (a crash can cut the last one short) are
 * skipped and counted; everything before them is intact.
 */
export function parseRecords(text: string): { records: RequestRecord[]; skipped: number } {
  const records: RequestRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as RequestRecord;
      if (v && typeof v === 'object' && typeof v.scenario_id === 'string') records.push(v);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}
