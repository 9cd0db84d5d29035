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
    fast: fastPath(chat, f.timings?.({}) ?? (f.timings ? null : undefined)),
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

/*
 * The fast path (ApiSpec.fast): a plain token chunk, the one a stream is made of, recognised without JSON.parse.
 * The regular expressions below accept only strict JSON (no whitespace, strings with valid escapes only) of one
 * shape: an object of plain metadata members (id, object, created, model, system_fingerprint, service_tier, and
 * `usage: null`) with exactly one choice whose members are an index, `logprobs` / `finish_reason` / `stop_reason` / `matched_stop`
 * null, and, for chat, one delta of a role, the content and null reasoning / tool-call members; for completions, the
 * text. Anything else (a finish reason, usage, timings, metrics, reasoning, tool calls, token ids, an error key, any
 * unknown key, whitespace) does not match and takes the full parse. What it returns is exactly what the reader gives
 * for the parsed object (test/targets/fast-path.test.ts feeds the same chunks through both).
 */
const STR = String.raw`"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"`;
const NUM = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const TOP = `"(?:id|object|model|system_fingerprint|service_tier)":(?:${STR}|null)|"created":${NUM}|"usage":null`;
const CHOICE_META = `"index":${NUM}|"(?:logprobs|finish_reason|stop_reason|matched_stop)":null`;
const DELTA = `"delta":\\{(?:(?:"role":${STR}|"content":${STR}|"(?:reasoning_content|reasoning|tool_calls|function_call|refusal)":null)(?:,(?=")|(?=\\})))*\\}`;
const shape = (member: string) => new RegExp(`^\\{(?:(?:${TOP}),)*"choices":\\[\\{(?:(?:${CHOICE_META}),)*${member}(?:,(?:${CHOICE_META}))*\\}\\](?:,(?:${TOP}))*\\}$`);
const CHAT_SHAPE = shape(DELTA);
const COMPLETION_SHAPE = shape(`"text":${STR}`);
const CONTENT = new RegExp(`"content":(${STR})`);
const TEXT = new RegExp(`"text":(${STR})`);

/** A validated JSON string literal's value: the inside when it has no escapes, else JSON's own reading of it. */
const literal = (s: string): string => (s.includes('\\') ? (JSON.parse(s) as string) : s.slice(1, -1));

function fastPath(chat: boolean, timings: ServerTimings | null | undefined): (data: string) => Chunk | null {
  const shapeRe = chat ? CHAT_SHAPE : COMPLETION_SHAPE;
  const valueRe = chat ? CONTENT : TEXT;
  const key = chat ? '"content":' : '"text":';
  return (data) => {
    if (!shapeRe.test(data)) return null;
    // In a validated object a key can only be matched where it is a key (a quote inside a string is escaped), so
    // one match and no second one means one member; JSON.parse would keep the last of duplicates.
    const m = valueRe.exec(data);
    if (!m || data.indexOf(key, m.index + 1) >= 0 || (chat && data.indexOf('"delta":') !== data.lastIndexOf('"delta":'))) return null;
    const text = literal(m[1]!);
    return chat ? { timings, text, reasoning: '' } : { timings, text };
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
      // llmbench serve (generic OpenAI by detection) serves vLLM's flush route: ../../engine/serve/server.ts.
      if (data[0]?.owned_by === 'llmbench') c.offerCacheReset?.('/reset_prefix_cache');
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
