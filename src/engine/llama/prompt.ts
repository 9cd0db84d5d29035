/**
 * Child side: turns a request's input into the exact token ids the model sees.
 *
 * Completions prompts: BOS (when the GGUF says add_bos_token) + the plain-text tokens, as llama.cpp's
 * /completion does. Chat prompts: the model's own chat template (`tokenizer.chat_template`, rendered by
 * node-llama-cpp's chat wrappers, which also follow Jinja templates), or, for a model without one (stories260K),
 * a plain fallback: BOS + the message contents joined by blank lines, so a story model continues the story.
 * node-llama-cpp alone would guess a wrapper from the file name (it picks Llama2Chat for stories260K); a guessed
 * template would put text the model never saw in training in front of it, so it is not used.
 */
import { resolveChatWrapper, type ChatHistoryItem, type ChatWrapper, type LlamaModel, type Token } from 'node-llama-cpp';
import { type ChatMessage } from '../../core/chat.js';
import { type GenInput } from './protocol.js';

export const FALLBACK_TEMPLATE_NAME = 'fallback:plain';
export const FALLBACK_TEMPLATE_DESCRIPTION = 'the model has no tokenizer.chat_template: BOS + message contents joined by blank lines';

export interface PromptTemplate {
  info: { kind: 'model' | 'fallback'; name: string; description: string };
  wrapper: ChatWrapper | null;
}

export function resolveTemplate(model: LlamaModel): PromptTemplate {
  const meta = model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } };
  const tpl = meta.tokenizer?.chat_template;
  if (typeof tpl === 'string' && tpl.trim() !== '') {
    const wrapper = resolveChatWrapper(model, { warningLogs: false });
    return { wrapper, info: { kind: 'model', name: wrapper.wrapperName, description: 'tokenizer.chat_template from the GGUF (rendered by node-llama-cpp)' } };
  }
  return { wrapper: null, info: { kind: 'fallback', name: FALLBACK_TEMPLATE_NAME, description: FALLBACK_TEMPLATE_DESCRIPTION } };
}

function withBos(model: LlamaModel, ids: Token[]): Token[] {
  const bos = model.tokens.bos;
  return model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...ids] : ids;
}

export function chatTokens(model: LlamaModel, template: PromptTemplate, messages: ChatMessage[]): Token[] {
  if (!template.wrapper) return withBos(model, model.tokenize(messages.map((m) => m.content).join('\n\n')));
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] },
  );
  // An empty model turn at the end asks the template for the generation prompt (as LlamaChatSession does).
  history.push({ type: 'model', response: [] });
  const { contextText } = template.wrapper.generateContextState({ chatHistory: history });
  return contextText.tokenize(model.tokenizer);
}

export function inputTokens(model: LlamaModel, template: PromptTemplate, input: GenInput): Token[] {
  switch (input.kind) {
    case 'tokens':
      return input.ids as Token[];
    case 'prompt':
      return withBos(model, model.tokenize(input.text));
    case 'chat':
      return chatTokens(model, template, input.messages);
  }
}
