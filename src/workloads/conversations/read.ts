/**
 * Conversation files (`--conversations FILE`), read as a stream (json-stream.ts):
 * - ShareGPT, a JSON array or JSONL of `{"id", "conversations": [{"from": "human"|"gpt"|"system", "value"}]}`
 *   ("user"/"assistant"/"chatgpt"/"bing"/"bard" are accepted as the same roles, as ShareGPT dumps use them);
 * - OpenAI messages, JSONL of `{"messages": [{"role": "system"|"user"|"assistant", "content"}]}`.
 * A conversation becomes a system prompt (or none) and turns: a user message and the recorded answer that
 * followed it (null when the conversation ends on a user message). Consecutive messages of one role are joined
 * with a blank line. Conversations without a user message are skipped and counted.
 */
import { UsageError } from '../../core/errors.js';
import { JsonStreamError, readJsonItems } from './json-stream.js';

export interface ConversationTurn {
  user: string;
  /** The recorded answer: its length is the turn's output length where --output-tokens is not given. */
  answer: string | null;
}

export interface Conversation {
  id: string;
  system: string | null;
  turns: ConversationTurn[];
}

export type TurnsMode = 'first' | 'all';

export interface ReadConversationsResult {
  conversations: Conversation[];
  /** Entries with no user message, or in neither form. */
  skipped: number;
  format: 'sharegpt' | 'openai' | null;
}

const USER = new Set(['human', 'user']);
const ASSISTANT = new Set(['gpt', 'assistant', 'chatgpt', 'bing', 'bard', 'model']);

type Role = 'system' | 'user' | 'assistant';

function roleOf(raw: unknown): Role | null {
  if (typeof raw !== 'string') return null;
  const r = raw.toLowerCase();
  if (r === 'system') return 'system';
  if (USER.has(r)) return 'user';
  if (ASSISTANT.has(r)) return 'assistant';
  return null;
}

/** OpenAI content: a string, or an array of parts of which the text ones are kept. */
function textOf(raw: unknown): string | null {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) {
    const parts = raw.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : null)).filter((x): x is string => x !== null);
    return parts.length ? parts.join('\n') : null;
  }
  return null;
}

/** One entry of the file → a conversation, or null when it has no user message. Throws Error for a wrong shape. */
export function toConversation(entry: unknown, fallbackId: string): { conv: Conversation | null; format: 'sharegpt' | 'openai' } {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new Error('is not an object');
  const e = entry as Record<string, unknown>;
  let msgs: Array<{ role: Role | null; text: string | null }>;
  let format: 'sharegpt' | 'openai';
  if (Array.isArray(e.conversations)) {
    format = 'sharegpt';
    msgs = e.conversations.map((m) => ({ role: roleOf((m as Record<string, unknown> | null)?.from), text: textOf((m as Record<string, unknown> | null)?.value) }));
  } else if (Array.isArray(e.messages)) {
    format = 'openai';
    msgs = e.messages.map((m) => ({ role: roleOf((m as Record<string, unknown> | null)?.role), text: textOf((m as Record<string, unknown> | null)?.content) }));
  } else throw new Error('has neither "conversations" (ShareGPT) nor "messages" (OpenAI)');
  const id = typeof e.id === 'string' || typeof e.id === 'number' ? String(e.id) : fallbackId;
  const system: string[] = [];
  const turns: ConversationTurn[] = [];
  let pendingUser: string[] = [];
  let answer: string[] = [];
  const close = () => {
    if (pendingUser.length) turns.push({ user: pendingUser.join('\n\n'), answer: answer.length ? answer.join('\n\n') : null });
    pendingUser = [];
    answer = [];
  };
  for (const m of msgs) {
    if (m.role === null || m.text === null) continue;
    if (m.role === 'system') {
      if (!turns.length && !pendingUser.length) system.push(m.text);
    } else if (m.role === 'user') {
      if (answer.length) close();
      pendingUser.push(m.text);
    } else if (pendingUser.length) answer.push(m.text);
    // An answer before any user message (ShareGPT dumps that start with "gpt") has nothing to answer: dropped.
  }
  close();
  return { conv: turns.length ? { id, system: system.length ? system.join('\n\n') : null, turns } : null, format };
}

/**
 * Reads up to `limit` usable conversations (null: all). `--turns first` keeps each one's first turn only.
 * Throws UsageError naming the entry for a malformed file, before anything is sent.
 */
export async function readConversations(path: string, turns: TurnsMode, limit: number | null): Promise<ReadConversationsResult> {
  const conversations: Conversation[] = [];
  let skipped = 0;
  let format: ReadConversationsResult['format'] = null;
  try {
    for await (const { value, position } of readJsonItems(path)) {
      if (limit !== null && conversations.length >= limit) break;
      let r: ReturnType<typeof toConversation>;
      try {
        r = toConversation(value, String(position));
      } catch (e) {
        throw new UsageError([{ where: '--conversations', message: `${path}: entry ${position} ${(e as Error).message}`, hint: 'ShareGPT: {"id", "conversations": [{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}]}; OpenAI: {"messages": [{"role": "user", "content": "..."}]} per line' }]);
      }
      format ??= r.format;
      if (!r.conv) {
        skipped++;
        continue;
      }
      if (turns === 'first') r.conv.turns = r.conv.turns.slice(0, 1);
      conversations.push(r.conv);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof JsonStreamError) throw new UsageError([{ where: '--conversations', message: `${path}: ${e.message}` }]);
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError([{ where: '--conversations', message: code === 'ENOENT' ? `${path} does not exist` : `${path}: ${(e as Error).message}` }]);
  }
  if (!conversations.length) throw new UsageError([{ where: '--conversations', message: `${path} holds no conversation with a user message${skipped ? ` (${skipped} skipped)` : ''}` }]);
  return { conversations, skipped, format };
}
