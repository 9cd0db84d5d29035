/**
 * A server's own tokenize endpoint as a Tokenizer. The dialects are data (protocols.md §2.6, §3.6, §4.6, §6.6, §7.6):
 *  - vllm (vLLM, SGLang): POST /tokenize {model, prompt | messages, add_special_tokens} → {tokens};
 *    POST /detokenize {model, tokens} → {prompt} (vLLM) or {text} (SGLang);
 *  - llamacpp: POST /tokenize {content, add_special, parse_special} → {tokens} (ids, or [{id, piece}]);
 *    POST /detokenize {tokens} → {content}; POST /apply-template {messages} → {prompt} for chat counts;
 *  - tgi: POST /tokenize {inputs} → [{id, text, start, stop}]; no /detokenize;
 *  - lmdeploy: POST /v1/encode {input, add_bos} → {input_ids}.
 * A server spec lists the dialects to probe. `decode` is offered only when /detokenize answered JSON with text at
 * the probe (gateways forward /tokenize but not /detokenize). A failure at run time is a RequestFailure.
 */
import { type ChatMessage } from '../core/chat.js';
import { RequestFailure } from '../core/failure.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { errorMessage, type HttpClient } from '../net/http.js';

type Json = Record<string, unknown>;

interface Dialect {
  description: string;
  path: string;
  /** Body that tokenizes `text`, with the special tokens (BOS) the server adds to a prompt or without. */
  body(text: string, special: boolean, model: string): Json;
  ids(json: unknown): number[] | null;
  /** Body that counts a chat prompt with its template on `path` (vLLM form). */
  chatBody?(messages: ChatMessage[], model: string): Json;
  /** llama.cpp form: the template is applied by POST /apply-template, then the prompt is tokenized. */
  template?: boolean;
  detokenize?(ids: number[], model: string): Json;
}

const tokensField = (json: unknown): number[] | null => {
  const t = (json as { tokens?: unknown } | null)?.tokens;
  return Array.isArray(t) ? t.map((x) => (typeof x === 'number' ? x : (x as { id: number }).id)) : null;
};

const DIALECTS = {
  vllm: {
    description: 'server POST /tokenize (vLLM/SGLang form)',
    path: '/tokenize',
    body: (text, special, model) => ({ model, prompt: text, add_special_tokens: special }),
    ids: tokensField,
    chatBody: (messages, model) => ({ model, messages, add_generation_prompt: true }),
    detokenize: (ids, model) => ({ model, tokens: ids }),
  },
  llamacpp: {
    description: 'server POST /tokenize (llama.cpp form)',
    path: '/tokenize',
    body: (text, special) => ({ content: text, add_special: special, parse_special: false }),
    ids: tokensField,
    template: true,
    detokenize: (ids) => ({ tokens: ids }),
  },
  tgi: {
    description: 'TGI POST /tokenize',
    path: '/tokenize',
    body: (text) => ({ inputs: text }),
    ids: (json) => (Array.isArray(json) ? json.map((t) => (t as { id: number }).id) : null),
  },
  lmdeploy: {
    description: 'LMDeploy POST /v1/encode',
    path: '/v1/encode',
    body: (text, special) => ({ input: text, do_preprocess: false, add_bos: special }),
    ids: (json) => {
      const ids = (json as { input_ids?: unknown } | null)?.input_ids;
      return Array.isArray(ids) ? (ids as number[]) : null;
    },
  },
} satisfies Record<string, Dialect>;

export type DialectName = keyof typeof DIALECTS;

/** The text of a /detokenize answer, whichever key the server uses. */
function detokenized(json: unknown): string | null {
  const j = (json ?? {}) as { prompt?: unknown; text?: unknown; content?: unknown };
  const s = j.prompt ?? j.text ?? j.content;
  return typeof s === 'string' ? s : null;
}

export class ServerTokenizer implements Tokenizer {
  readonly source = 'server_tokenizer' as const;
  readonly description: string;
  readonly decode?: (ids: number[]) => Promise<string>;
  readonly countChat?: (messages: ChatMessage[]) => Promise<number | null>;
  private chatSupported: boolean | null = null;

  private constructor(private readonly http: HttpClient, private readonly d: Dialect, private readonly model: string, canDecode: boolean) {
    this.description = d.description;
    if (canDecode) this.decode = (ids) => this.call('/detokenize', d.detokenize!(ids, model), detokenized);
    if (d.chatBody || d.template) this.countChat = (m) => this.chatCount(m);
  }

  /** The first dialect the server answers, or null when it has no tokenize endpoint. */
  static async probe(http: HttpClient, model: string, dialects: readonly DialectName[]): Promise<ServerTokenizer | null> {
    for (const name of dialects) {
      const d: Dialect = DIALECTS[name];
      try {
        const r = await http.json('POST', d.path, d.body('Hello world', false, model), { timeoutMs: 10_000 });
        const ids = r.status === 200 ? d.ids(r.json) : null;
        if (!ids?.length) continue;
        let canDecode = false;
        if (d.detokenize) {
          const back = await http.json('POST', '/detokenize', d.detokenize(ids, model), { timeoutMs: 10_000 }).catch(() => null);
          canDecode = back?.status === 200 && detokenized(back.json) !== null;
        }
        return new ServerTokenizer(http, d, model, canDecode);
      } catch {
        // unreachable endpoint: try the next dialect
      }
    }
    return null;
  }

  private async call<T>(path: string, body: Json, read: (json: unknown) => T | null): Promise<T> {
    const r = await this.http.json('POST', path, body);
    if (r.status !== 200) throw new RequestFailure('http', `${path}: HTTP ${r.status}: ${errorMessage(r.text)}`, r.status);
    const v = read(r.json);
    if (v === null) throw new RequestFailure('parse', `${path}: unexpected answer: ${r.text.slice(0, 120)}`);
    return v;
  }

  encode(text: string): Promise<number[]> {
    return this.call(this.d.path, this.d.body(text, false, this.model), this.d.ids);
  }

  async countPrompt(text: string): Promise<number> {
    return (await this.call(this.d.path, this.d.body(text, true, this.model), this.d.ids)).length;
  }

  private async chatCount(messages: ChatMessage[]): Promise<number | null> {
    if (this.chatSupported === false) return null;
    try {
      let n: number;
      if (this.d.chatBody) {
        n = (await this.call(this.d.path, this.d.chatBody(messages, this.model), this.d.ids)).length;
      } else {
        const prompt = await this.call('/apply-template', { messages }, (j) => {
          const p = (j as { prompt?: unknown } | null)?.prompt;
          return typeof p === 'string' ? p : null;
        });
        n = (await this.call(this.d.path, { content: prompt, add_special: true, parse_special: true }, this.d.ids)).length;
      }
      this.chatSupported = true;
      return n;
    } catch (e) {
      // The first failure means the server has no chat form; once it had one, a failure is a failure.
      if (this.chatSupported) throw e;
      this.chatSupported = false;
      return null;
    }
  }
}
