/**
 * A server's own tokenize endpoint as a Tokenizer. Two body dialects exist (protocols.md §2.6, §3.6, §7.6):
 *  - vLLM / SGLang: POST /tokenize {model, prompt | messages, add_special_tokens} → {tokens, count};
 *    POST /detokenize {model, tokens} → {prompt} (vLLM) or {text} (SGLang);
 *  - llama.cpp:     POST /tokenize {content, add_special, parse_special} → {tokens};
 *    POST /detokenize {tokens} → {content}; POST /apply-template {messages} → {prompt}.
 * The dialect is found by probing once.
 */
import { type ChatMessage } from '../core/chat.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { type HttpClient } from '../net/http.js';

type Dialect = 'vllm' | 'llamacpp';

function tokensOf(json: unknown): number[] | null {
  if (!json || typeof json !== 'object') return null;
  const t = (json as { tokens?: unknown }).tokens;
  if (!Array.isArray(t)) return null;
  // llama.cpp with_pieces returns [{id, piece}]
  return t.map((x) => (typeof x === 'number' ? x : (x as { id: number }).id));
}

export class ServerTokenizer implements Tokenizer {
  readonly source = 'server_tokenizer' as const;
  readonly description: string;
  private chatSupported: boolean | null = null;

  constructor(private readonly http: HttpClient, private readonly dialect: Dialect, private readonly model: string) {
    this.description = dialect === 'vllm' ? 'server POST /tokenize (vLLM/SGLang form)' : 'server POST /tokenize (llama.cpp form)';
  }

  /** Finds which dialect the server speaks, or null when it has no tokenize endpoint. */
  static async probe(http: HttpClient, model: string): Promise<ServerTokenizer | null> {
    try {
      const v = await http.json('POST', '/tokenize', { model, prompt: 'Hello world', add_special_tokens: false }, { timeoutMs: 10_000 });
      if (v.status === 200 && tokensOf(v.json)?.length) return new ServerTokenizer(http, 'vllm', model);
      const l = await http.json('POST', '/tokenize', { content: 'Hello world', add_special: false }, { timeoutMs: 10_000 });
      if (l.status === 200 && tokensOf(l.json)?.length) return new ServerTokenizer(http, 'llamacpp', model);
    } catch {
      // unreachable tokenize endpoint: no server tokenizer
    }
    return null;
  }

  private async tokenize(body: Record<string, unknown>): Promise<number[]> {
    const r = await this.http.json('POST', '/tokenize', body);
    const t = tokensOf(r.json);
    if (r.status !== 200 || !t) throw new Error(`tokenize failed: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    return t;
  }

  encode(text: string): Promise<number[]> {
    return this.dialect === 'vllm'
      ? this.tokenize({ model: this.model, prompt: text, add_special_tokens: false })
      : this.tokenize({ content: text, add_special: false, parse_special: false });
  }

  async decode(ids: number[]): Promise<string> {
    const r = await this.http.json('POST', '/detokenize', this.dialect === 'vllm' ? { model: this.model, tokens: ids } : { tokens: ids });
    const j = (r.json ?? {}) as { prompt?: string; text?: string; content?: string };
    const s = j.prompt ?? j.text ?? j.content;
    if (r.status !== 200 || typeof s !== 'string') throw new Error(`detokenize failed: HTTP ${r.status}`);
    return s;
  }

  async countPrompt(text: string): Promise<number> {
    const ids =
      this.dialect === 'vllm'
        ? await this.tokenize({ model: this.model, prompt: text, add_special_tokens: true })
        : await this.tokenize({ content: text, add_special: true, parse_special: false });
    return ids.length;
  }

  async countChat(messages: ChatMessage[]): Promise<number | null> {
    if (this.chatSupported === false) return null;
    try {
      let n: number | null = null;
      if (this.dialect === 'vllm') {
        const r = await this.http.json('POST', '/tokenize', { model: this.model, messages, add_generation_prompt: true });
        const t = tokensOf(r.json);
        n = r.status === 200 && t ? t.length : null;
      } else {
        const a = await this.http.json('POST', '/apply-template', { messages });
        const prompt = (a.json as { prompt?: string } | null)?.prompt;
        if (a.status === 200 && typeof prompt === 'string') n = (await this.tokenize({ content: prompt, add_special: true, parse_special: true })).length;
      }
      this.chatSupported = n !== null;
      return n;
    } catch {
      this.chatSupported = false;
      return null;
    }
  }
}
