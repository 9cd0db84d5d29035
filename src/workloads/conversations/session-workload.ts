/**
 * Multi-turn sessions: what a conversation workload sends. Turn k (1-based) of a session sends turns 1..k:
 * the system prompt (if any), each earlier user message followed by the model's REAL answer to it in this
 * session (not the recorded one), then the turn's user message. With the chat API that is a message list; with
 * completions (or native) the same conversation as one text, messages separated by a blank line, so each turn's
 * prompt starts with the previous turn's prompt and answer (what a prefix cache can reuse).
 *
 * A SessionWorkload is a Workload (describe, prepare) whose requests are built per session and turn; the runner
 * drives it with src/runner/sessions.ts instead of the request loop.
 */
import { type ChatMessage } from '../../core/chat.js';
import { type PromptItem, type Workload, type WorkloadContext } from '../workload.js';

export interface SessionTurnSpec {
  /** The turn's user message. */
  user: string;
  /** Output tokens to ask for exactly (forced), or null: natural length capped by `maxTokens`. */
  outputTokens: number | null;
  /** Source of outputTokens when forced: 'recorded' (the file's answer, tokenized) or 'requested'. */
  expectedUserTokens: number | null;
}

export interface SessionSpec {
  id: string;
  system: string | null;
  turns: number;
}

export interface SessionWorkload extends Workload {
  readonly sessions: true;
  /** How many sessions (after prepare). */
  sessionCount(): number;
  session(i: number): SessionSpec;
  /** The turn's spec (0-based turn index); may tokenize (output lengths of recorded answers). */
  turn(session: number, turn: number): Promise<SessionTurnSpec>;
}

export function isSessionWorkload(w: Workload): w is SessionWorkload {
  return (w as Partial<SessionWorkload>).sessions === true;
}

/**
 * The request of one turn: history = the earlier user messages and the model's answers to them, in order.
 * `maxTokens` caps outputs that are not forced.
 */
export function turnPrompt(api: WorkloadContext['api'], system: string | null, history: ReadonlyArray<{ user: string; answer: string }>, spec: SessionTurnSpec, maxTokens: number | null, inputTokens: number | null): PromptItem {
  const item: PromptItem = {
    input_tokens: inputTokens,
    input_tokens_source: null,
    output_tokens: spec.outputTokens ?? maxTokens,
    force_length: spec.outputTokens !== null,
  };
  if (api === 'chat') {
    const messages: ChatMessage[] = [];
    if (system !== null) messages.push({ role: 'system', content: system });
    for (const h of history) messages.push({ role: 'user', content: h.user }, { role: 'assistant', content: h.answer });
    messages.push({ role: 'user', content: spec.user });
    item.messages = messages;
  } else {
    const parts: string[] = [];
    if (system !== null) parts.push(system);
    for (const h of history) parts.push(h.user, h.answer);
    parts.push(spec.user);
    item.prompt = parts.join('\n\n');
  }
  return item;
}
