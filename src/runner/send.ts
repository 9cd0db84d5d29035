/**
 * Sends one request and turns its stream into a record: the part of a request's life every execution loop
 * shares (execute.ts's request loop and sessions.ts).
 */
import { type RunClock } from '../core/clock.js';
import { type RequestRecord } from '../core/record.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { type GenerationRequest, type Target } from '../targets/target.js';
import { type PromptItem } from '../workloads/workload.js';
import { Recorder, type RecordSeed } from './recorder.js';

export interface SendSettings {
  scenarioId: string;
  timeoutMs: number;
  temperature: number | null;
  seed: number;
  extraBody: Record<string, unknown>;
  /** Keep the output text while the request runs (scoring, counting, saving, or a session's next turn read it). */
  collectText: boolean;
}

export interface SendResult {
  record: RequestRecord;
  /** The generated text ('' unless collectText). */
  text: string;
}

export async function sendRequest(
  s: SendSettings,
  target: Target,
  clock: RunClock,
  tokenizer: Tokenizer | null,
  item: PromptItem,
  seed: Omit<RecordSeed, 'scenario_id' | 'input_tokens' | 'input_tokens_source' | 'requested_output_tokens' | 'length_forced'>,
  inflight: Set<AbortController>,
): Promise<SendResult> {
  const rec = new Recorder(
    clock,
    {
      scenario_id: s.scenarioId,
      ...seed,
      input_tokens: item.input_tokens,
      input_tokens_source: item.input_tokens_source,
      requested_output_tokens: item.output_tokens,
      length_forced: item.force_length ? target.info.length_forcing !== 'none' : null,
    },
    s.collectText,
  );
  const req: GenerationRequest = {
    id: `llmbench-${s.scenarioId}-${seed.repeat}-${seed.index}`,
    messages: item.messages,
    prompt: item.prompt,
    max_tokens: item.output_tokens,
    force_length: item.force_length,
    temperature: s.temperature,
    seed: s.seed + seed.index,
    extra_body: s.extraBody,
  };
  const ac = new AbortController();
  inflight.add(ac);
  const timer = setTimeout(() => ac.abort('timeout'), s.timeoutMs);
  rec.markSent();
  try {
    await target.send(req, rec, ac.signal);
  } catch (e) {
    rec.fail(e);
  } finally {
    clearTimeout(timer);
    inflight.delete(ac);
  }
  const record = await rec.finalize(tokenizer);
  return { record, text: rec.outputText() };
}
