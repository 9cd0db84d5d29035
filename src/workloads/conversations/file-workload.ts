/**
 * `--conversations FILE`: sessions from a ShareGPT or OpenAI-messages file (read.ts). Output lengths: the
 * `--output-tokens` value when given (forced), else each recorded answer's length in tokens (forced), counted
 * with the best tokenizer available; without a tokenizer, or for a turn with no recorded answer, the natural
 * length capped by --max-tokens (which caps the recorded lengths too).
 */
import { type Tokenizer } from '../../core/tokenizer.js';
import { type WorkloadContext, type PromptItem } from '../workload.js';
import { readConversations, type Conversation, type TurnsMode } from './read.js';
import { type SessionSpec, type SessionTurnSpec, type SessionWorkload } from './session-workload.js';

export interface FileConversationOptions {
  path: string;
  turns: TurnsMode;
  /** Forced output length for every turn (from --output-tokens), or null: the recorded answers' lengths. */
  outputTokens: number | null;
  maxTokens: number | null;
  /** Read at most this many conversations (--requests with conversations counts sessions). */
  limit: number | null;
}

export class FileConversationWorkload implements SessionWorkload {
  readonly sessions = true as const;
  private convs: Conversation[] = [];
  private skipped = 0;
  private format: string | null = null;
  private tokenizer: Tokenizer | null = null;

  constructor(private readonly o: FileConversationOptions) {}

  describe(): Record<string, unknown> {
    return {
      kind: 'conversations',
      file: this.o.path,
      format: this.format,
      turns_mode: this.o.turns,
      sessions: this.convs.length,
      turns: this.convs.reduce((s, c) => s + c.turns.length, 0),
      skipped_conversations: this.skipped,
      output_tokens: this.o.outputTokens ?? (this.tokenizer ? 'recorded' : null),
      tokenizer: this.tokenizer?.description ?? null,
      note: this.o.outputTokens === null && !this.tokenizer ? 'no tokenizer: the recorded answers could not be counted, so outputs have their natural length (capped by --max-tokens)' : null,
    };
  }

  async prepare(ctx: WorkloadContext): Promise<void> {
    this.tokenizer = ctx.tokenizer;
    const r = await readConversations(this.o.path, this.o.turns, this.o.limit);
    this.convs = r.conversations;
    this.skipped = r.skipped;
    this.format = r.format;
  }

  size(): number | null {
    return this.convs.length;
  }

  /** Only the session runner sends this workload. */
  async item(): Promise<PromptItem> {
    throw new Error('a conversation workload is sent by sessions (src/runner/sessions.ts)');
  }

  sessionCount(): number {
    return this.convs.length;
  }

  session(i: number): SessionSpec {
    const c = this.convs[i]!;
    return { id: c.id, system: c.system, turns: c.turns.length };
  }

  async turn(session: number, turn: number): Promise<SessionTurnSpec> {
    const t = this.convs[session]!.turns[turn]!;
    let out = this.o.outputTokens;
    if (out === null && t.answer !== null && this.tokenizer) {
      const n = (await this.tokenizer.encode(t.answer)).length;
      // --max-tokens caps the recorded lengths too (long ShareGPT answers would otherwise outgrow a small context).
      out = n > 0 ? Math.min(n, this.o.maxTokens ?? n) : null;
    }
    return { user: t.user, outputTokens: out, expectedUserTokens: null };
  }
}
