/**
 * Ollama (protocols.md §8). Exact length cannot be forced (no ignore_eos/min_tokens) on any API: length_forcing
 * 'none', and every forced request says so. Native: NDJSON from POST /api/generate `{model, prompt, stream,
 * options{num_predict, temperature, seed}}` or /api/chat `{model, messages, ...}` (chosen by whether the request has
 * messages); the last line has `done: true`, `done_reason` and the counts and durations in **nanoseconds**
 * (`total_duration`, `load_duration`, `prompt_eval_duration`, `eval_duration`), converted to ms here. Errors:
 * `{"error": "..."}` lines inside a 200 stream. OpenAI mode: /v1. No tokenize or metrics endpoint.
 */
import { SetupError } from '../../core/errors.js';
import { num } from '../../core/num.js';
import { type ServerTimings } from '../../core/record.js';
import { type ApiSpec, type Json, sampling, type ServerSpec, str } from '../spec.js';
import { type GenerationRequest, type RequestFailure } from '../target.js';
import { openAiApis, openAiProbe } from './openai.js';

const NS_PER_MS = 1e6;

export function ollamaTimings(o: Json): ServerTimings {
  const ms = (v: unknown) => (num(v) === null ? null : num(v)! / NS_PER_MS);
  const load = ms(o.load_duration);
  const prefill = ms(o.prompt_eval_duration);
  return {
    source: 'ollama',
    // total_duration covers load + prompt eval + eval; the first token follows load and prompt evaluation.
    ttft_ms: prefill !== null ? (load ?? 0) + prefill : null,
    e2e_ms: ms(o.total_duration),
    load_ms: load,
    prefill_ms: prefill,
    decode_ms: ms(o.eval_duration),
    prompt_tokens: num(o.prompt_eval_count),
    output_tokens: num(o.eval_count),
  };
}

const NO_LENGTH: ApiSpec['length'] = { forcing: 'none', unforced: 'length_not_forced: Ollama has no ignore_eos/min_tokens' };

const isChat = (req: GenerationRequest) => !!req.messages?.length;

const NATIVE: ApiSpec = {
  api: 'native',
  framing: 'ndjson',
  length: NO_LENGTH,
  path: (req) => (isChat(req) ? '/api/chat' : '/api/generate'),
  body: (req, b) => {
    const { options: extraOptions, ...extraTop } = req.extra_body as { options?: Json };
    const options = { ...sampling(req, 'num_predict'), ...extraOptions };
    return { model: b.model, stream: true, options, ...(isChat(req) ? { messages: req.messages } : { prompt: req.prompt ?? '' }), ...extraTop };
  },
  reader: (req) => {
    const chat = isChat(req);
    return {
      chunk: (o) => {
        const msg = (o.message ?? {}) as Json;
        const c = { text: chat ? str(msg.content) : str(o.response), reasoning: chat ? str(msg.thinking) : str(o.thinking) };
        if (o.done !== true) return c;
        return { ...c, usage: { prompt_tokens: num(o.prompt_eval_count), completion_tokens: num(o.eval_count) }, timings: ollamaTimings(o), finish: typeof o.done_reason === 'string' ? o.done_reason : 'stop' };
      },
    };
  },
};

export const OLLAMA: ServerSpec = {
  kind: 'ollama',
  apis: [...openAiApis({ length: NO_LENGTH }), NATIVE],
  probe: async (c) => {
    if (c.api !== 'native') return openAiProbe(c);
    let names: string[] = [];
    try {
      const v = await c.http.json('GET', '/api/version', undefined, { timeoutMs: 15_000 });
      if (v.status === 200) c.info.version = (v.json as { version?: string } | null)?.version ?? null;
      const t = await c.http.json('GET', '/api/tags', undefined, { timeoutMs: 15_000 });
      const models = (t.json as { models?: Array<{ name?: string }> } | null)?.models;
      if (Array.isArray(models)) names = models.map((m) => m.name).filter((x): x is string => typeof x === 'string');
    } catch (e) {
      throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${c.info.url}: ${(e as RequestFailure).message}`, 'check that ollama is running (ollama serve) and the --target host and port');
    }
    if (!c.model) {
      if (!names.length) throw new SetupError('LLMBENCH_NO_MODEL', `${c.info.url}/api/tags lists no model`, 'pull one (ollama pull NAME) or name it with --model');
      c.info.model = names[0]!;
    }
  },
  tokenizers: [],
  metrics: null,
};
