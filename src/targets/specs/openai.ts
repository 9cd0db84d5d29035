/**
 * The OpenAI-style APIs (POST /v1/chat/completions, /v1/completions, streaming) that most servers speak, as one
 * spec that servers extend with data: their length-forcing fields, fields every request carries, and the server
 * timings their chunks carry. Also the /v1/models probe they share and the generic `--server openai` entry.
 *
 * Chunk rules (protocols.md §0.1, §1, §2.3): `data: [DONE]` ends the stream; a chunk is token-bearing when it
 * carries non-empty content, reasoning (`reasoning_content`, else `reasoning`) or token ids; a role-only or empty
 * chunk is not; the usage chunk (`choices: []`) comes after the finish reason.
 */
import { SetupError } from '../../core/errors.js';
import { num } from '../../core/num.js';
import { type ServerTimings } from '../../core/record.js';
import { errorMessage } from '../../net/http.js';
import { type ApiSpec, type Chunk, IGNORE_EOS_MIN_TOKENS, type Json, type ProbeContext, sampling, type ServerSpec, str } from '../spec.js';
import { promptText, type RequestFailure } from '../target.js';

export interface OpenAiFlavour {
  length: ApiSpec['length'];
  /** Fields every request carries; --extra-body still wins (vLLM's return_token_ids). */
  extra?: Json;
  /** Server timings a chunk carries beyond the OpenAI basics (llama.cpp `timings`, vLLM `metrics`, MindIE usage). */
  timings?(chunk: Json): ServerTimings | null;
}

export function openAiApi(api: 'chat' | 'completions', f: OpenAiFlavour): ApiSpec {
  const chat = api === 'chat';
  return {
    api,
        length: f.length,
    path: () => (chat ? '/v1/chat/completions' : '/v1/completions'),
    body: (req, b) => {
      const input = chat ? { messages: req.messages ?? [{ role: 'user', content: req.prompt ?? '' }] } : { prompt: promptText(req) };
      return { model: b.model, stream: true, stream_options: { include_usage: true }, ...input, ...sampling(req, 'max_tokens'), ...b.length, ...f.extra, ...req.extra_body };
    },
    reader: () => ({
      chunk: (o) => {
        const c: Chunk = { timings: f.timings?.(o) };
        const choice = (o.choices as Json[] | undefined)?.[0];
        if (choice) {
          const delta = (choice.delta ?? {}) as Json;
          c.text = chat ? str(delta.content) : str(choice.text);
          if (chat) c.reasoning = str(delta.reasoning_content) || str(delta.reasoning);
          if (Array.isArray(choice.token_ids)) c.tokens = choice.token_ids.length;
          if (choice.finish_reason) c.finish = String(choice.finish_reason);
        }
        const u = o.usage as Json | null | undefined;
        if (u && (u.completion_tokens !== undefined || u.prompt_tokens !== undefined)) {
          const details = (k: string, field: string) => num(((u[k] ?? {}) as Json)[field]);
          c.usage = { prompt_tokens: num(u.prompt_tokens), completion_tokens: num(u.completion_tokens), cached_tokens: details('prompt_tokens_details', 'cached_tokens'), reasoning_tokens: details('completion_tokens_details', 'reasoning_tokens') ?? num(u.reasoning_tokens) };
        }
        return c;
      },
    }),
  };
}

export function openAiApis(f: OpenAiFlavour): ApiSpec[] {
  return [openAiApi('chat', f), openAiApi('completions', f)];
}

/** GET /v1/models: is it up, which model (the first listed unless --model), what its card says. SetupError (exit 3) otherwise. */
export async function openAiProbe(c: ProbeContext): Promise<void> {
  let models: string[] = [];
  const url = c.info.url;
  try {
    const r = await c.http.json('GET', '/v1/models', undefined, { timeoutMs: Math.min(c.timeoutMs, 15_000) });
    if (r.status === 401 || r.status === 403) {
      throw new SetupError('LLMBENCH_TARGET_AUTH', `${url} answered ${r.status} to GET /v1/models: ${errorMessage(r.text)}`, 'pass an API key with --api-key or LLMBENCH_API_KEY / OPENAI_API_KEY');
    }
    const data = r.status === 200 ? (r.json as { data?: Json[] } | null)?.data : null;
    if (Array.isArray(data)) {
      models = data.map((m) => m.id).filter((x): x is string => typeof x === 'string');
      if (data[0] && c.spec.modelCard) c.spec.modelCard(data[0], c.info);
    }
  } catch (e) {
    if (e instanceof SetupError) throw e;
    throw new SetupError('LLMBENCH_TARGET_UNREACHABLE', `cannot reach ${url}: ${(e as RequestFailure).message}`, 'check that the server is running and that --target has the right host and port');
  }
  if (!c.model) {
    if (!models.length) throw new SetupError('LLMBENCH_NO_MODEL', `${url}/v1/models lists no model`, 'name the model with --model');
    c.info.model = models[0]!;
  } else if (models.length && !models.includes(c.model)) {
    throw new SetupError('LLMBENCH_MODEL_NOT_FOUND', `model '${c.model}' is not served by ${url} (it serves: ${models.slice(0, 10).join(', ')})`, 'use one of those names with --model');
  }
}

/** Any OpenAI-compatible server: tries the common length fields (dropped if rejected) and both tokenize dialects. */
export const OPENAI: ServerSpec = {
  kind: 'openai',
  apis: openAiApis({ length: IGNORE_EOS_MIN_TOKENS }),
  probe: openAiProbe,
  tokenizers: ['vllm', 'llamacpp'],
  metrics: null,
};
