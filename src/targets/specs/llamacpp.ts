/**
 * llama.cpp `llama-server` (protocols.md §7; checked against the b4748 transcripts in shared/fixtures).
 * OpenAI mode: /v1/chat/completions, /v1/completions with `timings` on the final chunk (every chunk on 2026 builds;
 * cumulative, so the last one wins). Native mode: POST /completion, `data: {content, tokens:[ids], stop:false}` per
 * token, a final `stop: true` event with `timings`, `stop_type`, `tokens_predicted`, `tokens_evaluated`; no [DONE].
 * Exact length: `ignore_eos` (no min_tokens field). Tokenizer: /tokenize (llama.cpp form). Cache reset: there is no
 * global one; every slot is erased through POST /slots/{id}?action=erase.
 */
import { num } from '../../core/num.js';
import { type ServerTimings } from '../../core/record.js';
import { type ApiSpec, IGNORE_EOS, type Json, sampling, type ServerSpec, str, tokenCount } from '../spec.js';
import { promptText } from '../target.js';
import { openAiApis, openAiProbe } from './openai.js';
import { answersOk } from './reset.js';

/** llama.cpp `timings` (ms) → ServerTimings. */
export function llamacppTimings(t: Json): ServerTimings {
  const prefill = num(t.prompt_ms);
  const decode = num(t.predicted_ms);
  return {
    source: 'llamacpp.timings',
    // The first token is sampled from the prompt's logits, so the server's TTFT is its prompt time, and its E2E is
    // prompt + predicted time (tokenisation and HTTP are outside both): what client-minus-server compares against.
    ttft_ms: prefill,
    e2e_ms: prefill !== null && decode !== null ? prefill + decode : null,
    prefill_ms: prefill,
    decode_ms: decode,
    prompt_tokens: num(t.prompt_n),
    cached_tokens: num(t.cache_n),
    output_tokens: num(t.predicted_n),
    draft_tokens: num(t.draft_n),
    draft_accepted_tokens: num(t.draft_n_accepted),
  };
}

const timingsOf = (o: Json) => (o.timings && typeof o.timings === 'object' ? llamacppTimings(o.timings as Json) : null);

const STOP_TYPE: Record<string, string> = { limit: 'length', eos: 'stop', word: 'stop', none: 'stop' };

const COMPLETION: ApiSpec = {
  api: 'native',
  length: IGNORE_EOS,
  path: () => '/completion',
  body: (req, b) => ({ prompt: promptText(req), stream: true, ...sampling(req, 'n_predict'), ...b.length, ...req.extra_body }),
  reader: () => {
    // Older builds send no `tokens`: the growth of tokens_predicted is the chunk's token count.
    const tokens = tokenCount();
    return {
      chunk: (o) => {
        const c = { text: str(o.content), tokens: tokens(o.tokens, o.tokens_predicted) };
        if (o.stop !== true) return c;
        const finish = typeof o.stop_type === 'string' ? (STOP_TYPE[o.stop_type] ?? o.stop_type) : 'stop';
        return { ...c, usage: { prompt_tokens: num(o.tokens_evaluated), completion_tokens: num(o.tokens_predicted) }, timings: timingsOf(o), finish };
      },
    };
  },
};

export const LLAMACPP: ServerSpec = {
  kind: 'llamacpp',
  apis: [...openAiApis({ length: IGNORE_EOS, timings: timingsOf }), COMPLETION],
  probe: async (c) => {
    await openAiProbe(c);
    try {
      const r = await c.http.json('GET', '/props', undefined, { timeoutMs: 10_000 });
      const p = r.json as { default_generation_settings?: { n_ctx?: number }; build_info?: string } | null;
      if (r.status === 200 && p) {
        if (typeof p.default_generation_settings?.n_ctx === 'number') c.info.n_ctx = p.default_generation_settings.n_ctx;
        if (typeof p.build_info === 'string') c.info.build = p.build_info;
      }
    } catch {
      // /props is optional
    }
  },
  tokenizers: ['llamacpp'],
  resetCache: async (http) => {
    const slots = await http.json('GET', '/slots', undefined, { timeoutMs: 10_000 }).catch(() => null);
    if (slots?.status !== 200 || !Array.isArray(slots.json)) return false;
    let ok = true;
    for (const s of slots.json as Array<{ id?: unknown }>) if (typeof s.id === 'number') ok = (await answersOk(http, 'POST', `/slots/${s.id}?action=erase`, {})) && ok;
    return ok;
  },
  metrics: { path: '/metrics' },
};
