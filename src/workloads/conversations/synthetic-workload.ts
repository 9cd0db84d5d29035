/**
 * `--synthetic-conversations N --turns-per-session K --turn-input-tokens A --turn-output-tokens B`: N sessions of
 * K turns without a file. Each turn's user message is exactly A tokens of salted words (counted as plain text by
 * the tokenizer, as synthetic prompts are: src/workloads/synthetic.ts exactText), so the whole prompt grows by A
 * plus the previous answer (B forced tokens) plus the template's per-message tokens each turn. The salt differs
 * per session, so sessions never share a prefix; within a session every turn extends the previous prompt.
 */
import { Rng } from '../../core/rng.js';
import { type PromptItem, type WorkloadContext } from '../workload.js';
import { exactText, hash, type DecodeState } from '../synthetic.js';
import { WORDS } from '../words.js';
import { type SessionSpec, type SessionTurnSpec, type SessionWorkload } from './session-workload.js';

export interface SyntheticConversationOptions {
  sessions: number;
  turnsPerSession: number;
  turnInputTokens: number;
  turnOutputTokens: number;
  scenarioKey: string;
}

export class SyntheticConversationWorkload implements SessionWorkload {
  readonly sessions = true as const;
  private ctx: WorkloadContext | null = null;
  private decodeState: DecodeState = { decode: false, failure: null };

  constructor(private readonly o: SyntheticConversationOptions) {}

  describe(): Record<string, unknown> {
    return {
      kind: 'synthetic_conversations',
      sessions: this.o.sessions,
      turns_per_session: this.o.turnsPerSession,
      turn_input_tokens: this.o.turnInputTokens,
      turn_output_tokens: this.o.turnOutputTokens,
      tokenizer: this.ctx?.tokenizer?.description ?? null,
      length_method: this.ctx ? (this.ctx.tokenizer ? (this.decodeState.decode ? 'decode' : 'recount') : 'estimated') : null,
      note: this.ctx && !this.ctx.tokenizer ? 'no tokenizer: each turn\'s user message is sized at ~1.3 tokens per word; its length is approximate' : null,
    };
  }

  async prepare(ctx: WorkloadContext): Promise<void> {
    this.ctx = ctx;
    this.decodeState = { decode: Boolean(ctx.tokenizer?.decode), failure: null };
  }

  size(): number | null {
    return this.o.sessions;
  }

  async item(): Promise<PromptItem> {
    throw new Error('a conversation workload is sent by sessions (src/runner/sessions.ts)');
  }

  sessionCount(): number {
    return this.o.sessions;
  }

  session(i: number): SessionSpec {
    return { id: `s${i + 1}`, system: null, turns: this.o.turnsPerSession };
  }

  async turn(session: number, turn: number): Promise<SessionTurnSpec> {
    const ctx = this.ctx!;
    const rng = new Rng(hash(`${ctx.seed}:${this.o.scenarioKey}:conv:${session}:${turn}`));
    const word = () => WORDS[rng.int(0, WORDS.length - 1)]!;
    // The salt leads each message so no two sessions share a first block.
    const salt = `${rng.int(0, 36 ** 4).toString(36)} ${rng.int(0, 36 ** 4).toString(36)}`;
    const n = this.o.turnInputTokens;
    let user: string | null = null;
    if (ctx.tokenizer) user = await exactText(ctx.tokenizer, n, word, salt, this.decodeState);
    if (user === null) user = [salt, ...Array.from({ length: Math.max(0, Math.round(n / 1.3) - 2) }, word)].join(' ');
    return { user, outputTokens: this.o.turnOutputTokens, expectedUserTokens: ctx.tokenizer ? n : null };
  }
}
