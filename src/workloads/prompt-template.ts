/**
 * How a dataset item becomes a prompt, in chat or completion form, with K worked examples ("shots") before it.
 * A template is plain data so that results.json can record exactly what the model was shown
 * (`{question}` and `{answer}` are the only placeholders).
 */
import { type ChatMessage } from '../core/chat.js';

export type TemplateStyle = 'chat' | 'completion';

export interface PromptTemplate {
  name: string;
  /** Chat: the user turn for one question (worked examples use it too). */
  user: string;
  /** Chat: the assistant turn of a worked example. */
  assistant: string;
  /** Completion: the text for the question; the model continues after it. */
  completion: string;
  /** Completion: one worked example, placed before the question once per shot. */
  completion_shot: string;
  /**
   * Completion: the output is cut at the first occurrence of this before scoring. A base model given
   * `Question: … Answer: …` examples goes on to invent the next question; lm-eval-harness stops generation
   * at "Question:" for the same reason. llmbench cuts on the client so the request stays a plain one.
   */
  completion_cut: string | null;
}

export interface Example {
  question: string;
  answer: string;
}

function fill(template: string, ex: { question: string; answer?: string }): string {
  // split/join, not String.replace: questions contain `$` and replace() would read `$&` and `$1` in them.
  return template.split('{question}').join(ex.question).split('{answer}').join(ex.answer ?? '');
}

export function chatPrompt(t: PromptTemplate, question: string, shots: readonly Example[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const s of shots) {
    messages.push({ role: 'user', content: fill(t.user, s) });
    messages.push({ role: 'assistant', content: fill(t.assistant, s) });
  }
  messages.push({ role: 'user', content: fill(t.user, { question }) });
  return messages;
}

export function completionPrompt(t: PromptTemplate, question: string, shots: readonly Example[]): string {
  return shots.map((s) => fill(t.completion_shot, s)).join('') + fill(t.completion, { question });
}

/** What results.json records: the exact strings used for the style the run used. */
export function describeTemplate(t: PromptTemplate, style: TemplateStyle | null): Record<string, unknown> {
  if (style === 'chat') return { name: t.name, style, user: t.user, assistant: t.assistant, few_shot: 'multi-turn: one user/assistant pair per shot' };
  if (style === 'completion') return { name: t.name, style, completion: t.completion, shot: t.completion_shot, cut_output_at: t.completion_cut };
  return { name: t.name, style: null };
}

/** The output as scored: a completion is cut where the template says the model started a new item. */
export function scoredText(t: PromptTemplate, style: TemplateStyle | null, output: string): string {
  if (style !== 'completion' || !t.completion_cut) return output;
  const i = output.indexOf(t.completion_cut);
  return i >= 0 ? output.slice(0, i) : output;
}
