/**
 * One scripted server per protocol, each answering the probes `--server auto` uses the way the real one does.
 */
import { type ScriptedServer, type ScriptedTls, startScripted } from './base.js';
import { lmdeployGenerate, llamacppNative, mindieInfer, ollamaNative, sglangGenerate, tgiHandler, tritonHandler } from './native.js';
import { metricsHandler, okHandler, openAiHandler, vllmTokenize } from './openai-compat.js';

export { FAIL, type ScriptedServer } from './base.js';

const vllmMetrics = (n: number) =>
  [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{engine="0",model_name="m"} ${n % 3}`,
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc{engine="0",model_name="m"} ${n / 100}`,
    '# TYPE vllm:prefix_cache_queries counter',
    `vllm:prefix_cache_queries_total{engine="0",model_name="m"} ${n * 100}`,
    '# TYPE vllm:prefix_cache_hits counter',
    `vllm:prefix_cache_hits_total{engine="0",model_name="m"} ${n * 10}`,
    '# TYPE vllm:time_to_first_token_seconds histogram',
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="0.01",model_name="m"} ${n}`,
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} ${n}`,
    `vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} ${n}`,
    `vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} ${n * 0.005}`,
  ].join('\n') + '\n';

export function startVllm(): Promise<ScriptedServer> {
  return startScripted([
    openAiHandler({ ownedBy: 'vllm', forceFields: ['ignore_eos', 'min_tokens'], tokenIds: true, chunkSize: 2, card: { root: 'm', parent: null, max_model_len: 2048 } }),
    vllmTokenize,
    metricsHandler('/metrics', vllmMetrics),
    okHandler('GET', '/version', { version: '0.11.0' }),
    okHandler('POST', '/reset_prefix_cache', {}),
  ]);
}

export function startSglang(): Promise<ScriptedServer> {
  return startScripted([
    openAiHandler({ ownedBy: 'sglang', forceFields: ['ignore_eos', 'min_tokens'], streamError: { error: { message: 'scripted failure' } } }),
    vllmTokenize,
    sglangGenerate,
    okHandler('GET', '/version', { version: '0.5.2' }),
    okHandler('POST', '/flush_cache', {}),
  ]);
}

export function startLmdeploy(): Promise<ScriptedServer> {
  return startScripted([
    openAiHandler({ ownedBy: 'lmdeploy', forceFields: ['ignore_eos', 'min_new_tokens'], streamError: { error: { message: 'scripted failure', type: 'internal_error', code: 500, param: null, object: 'error' } } }),
    lmdeployGenerate,
  ]);
}

const TRTLLM_FIELDS = ['model', 'messages', 'prompt', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'seed', 'ignore_eos', 'min_tokens', 'top_p', 'top_k'];

export function startTrtllm(): Promise<ScriptedServer> {
  return startScripted([
    openAiHandler({ ownedBy: 'tensorrt_llm', forceFields: ['ignore_eos', 'min_tokens'], allowedFields: TRTLLM_FIELDS, firstChunkTrailingSpace: true }),
    okHandler('GET', '/version', { version: '1.1.0' }),
    metricsHandler('/prometheus/metrics', (n) => `trtllm_num_requests_running{model_name="m"} ${n}\n`),
  ]);
}

export function startTriton(opts: { optionalOutputs?: boolean } = {}): Promise<ScriptedServer> {
  return startScripted([tritonHandler({ optionalOutputs: opts.optionalOutputs ?? true })]);
}

export function startTgi(): Promise<ScriptedServer> {
  return startScripted([
    tgiHandler,
    openAiHandler({ ownedBy: 'tgi', forceFields: [], models: { object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: 'm' }] } }),
  ]);
}

export function startLlamacpp(): Promise<ScriptedServer> {
  return startScripted([
    openAiHandler({ ownedBy: 'llamacpp', forceFields: ['ignore_eos'], llamacppTimings: true }),
    llamacppNative,
  ]);
}

export function startOllama(): Promise<ScriptedServer> {
  return startScripted([ollamaNative, openAiHandler({ ownedBy: 'library', forceFields: [] })]);
}

/** MindIE; with `tls`, HTTPS requiring a client certificate, as MindIE serves by default. */
export function startMindie(tls?: ScriptedTls): Promise<ScriptedServer> {
  return startScripted(
    [
      mindieInfer,
      openAiHandler({ ownedBy: 'mindie', forceFields: ['ignore_eos'], mindieUsage: true }),
      metricsHandler('/metrics', (n) => `# TYPE num_requests_running gauge\nnum_requests_running{model_name="m"} ${n}\n# TYPE generation_tokens_total counter\ngeneration_tokens_total{model_name="m"} ${n * 10}\n`),
    ],
    tls,
  );
}

/** A plain OpenAI-compatible server that names no engine and rejects the length fields by name. */
export function startGenericOpenAi(): Promise<ScriptedServer> {
  return startScripted([openAiHandler({ ownedBy: 'acme', forceFields: [], rejectFields: ['ignore_eos', 'min_tokens'] })]);
}
