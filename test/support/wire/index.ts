/**
 * Which wire format each registered server × API style speaks, and what the server answers to the probes
 * `createServerTarget` makes at init (GET /v1/models, /info, /props, /v2, /api/tags ...). The contract suite looks a
 * pair up here; a pair missing here is a failing test, so registering a server means scripting its wire.
 */
import { type ApiStyle } from '../../../src/targets/target.js';
import { type WireFormat, jsonBody } from './format.js';
import { llamacppCompletion } from './llamacpp.js';
import { lmdeployGenerate } from './lmdeploy.js';
import { mindieInfer } from './mindie.js';
import { ollamaNative } from './ollama.js';
import { type OpenAiDialect, openAiError, openAiFormat } from './openai.js';
import { type Probes } from './server.js';
import { sglangGenerate } from './sglang.js';
import { tgiGenerateStream } from './tgi.js';
import { tritonGenerateStream } from './triton.js';

export interface WireScript {
  format: WireFormat;
  probes: Probes;
  /** The server can force exact output lengths on this API (false: the target must declare length_forcing 'none'). */
  canForce: boolean;
}

const models = (ownedBy: string) => ({ object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: ownedBy }] });

const PROBES: Record<string, Probes> = {
  openai: { 'GET /v1/models': models('acme') },
  vllm: { 'GET /v1/models': { object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: 'vllm', root: 'm', max_model_len: 2048 }] }, 'GET /version': { version: '0.11.0' } },
  sglang: { 'GET /v1/models': models('sglang'), 'GET /version': { version: '0.5.2' } },
  lmdeploy: { 'GET /v1/models': models('lmdeploy') },
  trtllm: { 'GET /v1/models': models('tensorrt_llm'), 'GET /version': { version: '1.1.0' } },
  triton: { 'GET /v2': { name: 'triton', version: '2.59.0', extensions: ['generate'] }, 'GET /v2/models/ensemble': { name: 'ensemble', versions: ['1'], platform: 'ensemble' } },
  tgi: {
    'GET /info': { model_id: 'm', model_sha: null, max_input_tokens: 4095, max_total_tokens: 4096, router: 'text-generation-router', version: '3.3.6' },
    'GET /v1/models': models('m'),
  },
  llamacpp: { 'GET /v1/models': models('llamacpp'), 'GET /props': { default_generation_settings: { id: 0, n_ctx: 2048, params: {} }, total_slots: 1, build_info: 'b4748-c392e5094' } },
  ollama: { 'GET /v1/models': models('library'), 'GET /api/version': { version: '0.13.1' }, 'GET /api/tags': { models: [{ name: 'm', model: 'm', size: 1 }] } },
  mindie: { 'GET /v1/models': models('mindie'), 'GET /v2': { name: 'MindIE Server', version: '2.1.RC1', extensions: { max_iter_times: 4096 } } },
};

const TRTLLM_FIELDS = ['model', 'messages', 'prompt', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'seed', 'ignore_eos', 'min_tokens', 'top_p', 'top_k'];

/** The OpenAI-style endpoints of each server: what it honours and how its errors look (protocols.md). */
const DIALECTS: Record<string, (api: 'chat' | 'completions') => OpenAiDialect> = {
  openai: () => ({ lengthFields: ['ignore_eos', 'min_tokens'], httpError: openAiError }),
  vllm: () => ({ lengthFields: ['ignore_eos', 'min_tokens'], tokenIds: true, httpError: openAiError }),
  sglang: () => ({ lengthFields: ['ignore_eos', 'min_tokens'], httpError: (s, m) => jsonBody({ object: 'error', message: m, type: s >= 500 ? 'InternalServerError' : 'BadRequestError', param: null, code: s }), streamError: (m) => ({ error: { message: m } }) }),
  lmdeploy: (api) => ({
    lengthFields: api === 'chat' ? ['ignore_eos', 'min_new_tokens'] : ['ignore_eos'],
    httpError: (s, m) => jsonBody({ message: m, type: s >= 500 ? 'server_error' : 'invalid_request_error', code: s, param: null, object: 'error' }),
    streamError: (m) => ({ error: { message: m, type: 'internal_error', code: 500, param: null, object: 'error' } }),
  }),
  trtllm: () => ({ lengthFields: ['ignore_eos', 'min_tokens'], allowedFields: TRTLLM_FIELDS, httpError: (_s, m) => jsonBody({ error: m }) }),
  // TGI's OpenAI routes take neither ignore_eos nor min_tokens; errors `{"error", "error_type"}`, in a stream
  // `{"error": {"message", "http_status_code"}}` (protocols.md §6.3).
  tgi: () => ({ lengthFields: [], httpError: (_s, m) => jsonBody({ error: m, error_type: 'overloaded' }), streamError: (m) => ({ error: { message: m, http_status_code: 422 } }) }),
  // llama.cpp /v1 after PR #16109: errors as `data: {"error": {...}}`; HTTP `{"error": {code, message, type}}`.
  llamacpp: () => ({ lengthFields: ['ignore_eos'], httpError: (s, m) => jsonBody({ error: { code: s, message: m, type: s >= 500 ? 'unavailable_error' : 'invalid_request_error' } }), streamError: (m) => ({ error: { code: 500, message: m, type: 'server_error' } }) }),
  // Ollama's OpenAI compatibility has no ignore_eos/min_tokens.
  ollama: () => ({ lengthFields: [], httpError: (_s, m) => jsonBody({ error: { message: m, type: 'api_error', param: null, code: null } }) }),
  mindie: () => ({ lengthFields: ['ignore_eos'], httpError: openAiError }),
};

const NATIVE: Record<string, WireFormat> = {
  sglang: sglangGenerate,
  lmdeploy: lmdeployGenerate,
  triton: tritonGenerateStream,
  tgi: tgiGenerateStream,
  llamacpp: llamacppCompletion,
  ollama: ollamaNative,
  mindie: mindieInfer,
};

/** Natives that cannot force a length: TGI (ignore_eos_token hard-coded false), Ollama, MindIE /infer. */
const NATIVE_CANNOT_FORCE = new Set(['tgi', 'ollama', 'mindie']);

export function wireScript(server: string, api: ApiStyle): WireScript | null {
  const probes = PROBES[server];
  if (!probes) return null;
  if (api === 'native') {
    const format = NATIVE[server];
    return format ? { format, probes, canForce: !NATIVE_CANNOT_FORCE.has(server) } : null;
  }
  const dialect = DIALECTS[server]?.(api);
  if (!dialect) return null;
  return { format: openAiFormat(api, dialect), probes, canForce: dialect.lengthFields.length > 0 };
}

export { startWireServer, type WireServer, type GenLog, STREAM_ERROR, HTTP_ERRORS, HTML_PAGE, HUGE_CAP, LONG_PAD } from './server.js';
export { MALFORMED, NATURAL, tokensText } from './format.js';
