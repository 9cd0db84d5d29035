/**
 * --prompts FILE: the user's own prompts (seed 002's batch of questions). Plain text, one prompt per line, or
 * JSONL with a `prompt` string or a `messages` array per line. Requests cycle through the file in order.
 */
import { readFileSync } from 'node:fs';
import { type ChatMessage } from '../core/chat.js';
import { UsageError, type Problem } from '../core/errors.js';
import { itemIndex, type PromptItem, type Workload, type WorkloadContext } from './workload.js';

interface Entry {
  prompt?: string;
  messages?: ChatMessage[];
}

export function readPromptsFile(path: string): Entry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError([{ where: '--prompts', message: `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, hint: 'check the path' }]);
  }
  const lines = text.split(/\r?\n/);
  const nonEmpty = lines.map((l, i) => [l, i + 1] as const).filter(([l]) => l.trim() !== '');
  if (!nonEmpty.length) throw new UsageError([{ where: '--prompts', message: `${path} has no prompts`, hint: 'one prompt per line, or JSONL with a "prompt" or "messages" field' }]);
  // JSONL by extension or by its first line; then every line must be a JSON object (errors name the line).
  const jsonl = path.toLowerCase().endsWith('.jsonl') || nonEmpty[0]![0].trimStart().startsWith('{');
  if (!jsonl) return nonEmpty.map(([l]) => ({ prompt: l }));
  const problems: Problem[] = [];
  const out: Entry[] = [];
  for (const [l, n] of nonEmpty) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(l) as Record<string, unknown>;
    } catch (e) {
      problems.push({ where: `${path}:${n}`, message: `not valid JSON (${(e as Error).message})` });
      continue;
    }
    if (typeof o.prompt === 'string') out.push({ prompt: o.prompt });
    else if (Array.isArray(o.messages) && o.messages.every((m) => m && typeof m === 'object' && typeof (m as ChatMessage).content === 'string' && typeof (m as ChatMessage).role === 'string')) {
      out.push({ messages: o.messages as ChatMessage[] });
    } else problems.push({ where: `${path}:${n}`, message: 'needs a "prompt" string or a "messages" array of {role, content}' });
    if (problems.length >= 10) break;
  }
  if (problems.length) throw new UsageError(problems);
  return out;
}

export class PromptsFileWorkload implements Workload {
  private entries: Entry[] = [];
  private api: WorkloadContext['api'] = 'chat';
  constructor(private readonly path: string, private readonly output: number | null, private readonly forceLength: boolean) {}

  describe(): Record<string, unknown> {
    return { kind: 'prompts_file', path: this.path, prompts: this.entries.length, output_tokens: this.output };
  }

  size(): number {
    return this.entries.length;
  }

  async prepare(ctx: WorkloadContext): Promise<void> {
    this.api = ctx.api;
    this.entries = readPromptsFile(this.path);
  }

  async item(_repeat: number, index: number): Promise<PromptItem> {
    const at = itemIndex(index, this.entries.length);
    const e = this.entries[at]!;
    const item: PromptItem = { input_tokens: null, input_tokens_source: null, output_tokens: this.output, force_length: this.forceLength && this.output !== null, meta: { item: at } };
    if (this.api === 'chat') item.messages = e.messages ?? [{ role: 'user', content: e.prompt! }];
    else item.prompt = e.prompt ?? e.messages!.map((m) => m.content).join('\n');
    return item;
  }
}
