import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CommandDef } from '../command.js';
import { UsageError, type Problem } from '../../core/errors.js';
import { ENGINE_OPTIONS, flashAttentionSetting } from '../options/engine.js';
import { type CpuSetting } from '../../engine/llama/affinity.js';
import { SERVE_OPTIONS } from '../options/serve.js';
import { type KvCacheType } from '../../engine/llama/protocol.js';

/** Engine list options take exactly one value here: a server runs one configuration. */
function single(values: Record<string, unknown>, key: string, flag: string, problems: Problem[]): unknown {
  const v = values[key];
  if (!Array.isArray(v)) return v;
  if (v.length > 1) problems.push({ where: flag, message: 'takes one value for serve', hint: 'start one server per configuration' });
  return v[0];
}

export const serveCommand: CommandDef = {
  name: 'serve',
  summary: 'Serve a GGUF model over an OpenAI-compatible HTTP API (embedded engine)',
  description:
    'Runs the embedded engine (node-llama-cpp) behind /v1/chat/completions, /v1/completions (streaming with include_usage, ignore_eos, min_tokens), ' +
    '/v1/models, /tokenize, /detokenize, /health and Prometheus /metrics. --parallel N sequences are decoded together (continuous batching). ' +
    'Gives any machine a real server to benchmark with `llmbench run --target URL`.',
  options: [...SERVE_OPTIONS, ...ENGINE_OPTIONS],
  examples: ['llmbench serve --model model.gguf --port 8080 --parallel 4', 'llmbench serve -m stories260K.gguf --port 0 --threads 1'],
  async run(args, io) {
    // The engine (node-llama-cpp) is loaded only when serve runs, so `--help` does not pay for it.
    const { isRemoteModelRef } = await import('../../engine/llama/model-ref.js');
    const v = args.values;
    const problems: Problem[] = [];
    const model = v.model as string | undefined;
    if (!model) problems.push({ where: '--model', message: 'missing', hint: 'llmbench serve --model PATH.gguf' });
    else if (!isRemoteModelRef(model) && !existsSync(resolve(io.cwd, model))) problems.push({ where: '--model', message: `${model} does not exist` });
    const threads = single(v, 'threads', '--threads', problems) as number | undefined;
    const batchSize = single(v, 'batchSize', '--batch-size', problems) as number | undefined;
    const contextSize = single(v, 'contextSize', '--context-size', problems) as number | undefined;
    const gpuLayers = single(v, 'gpuLayers', '--gpu-layers', problems) as number | undefined;
    const kvCacheType = (single(v, 'kvCacheType', '--kv-cache-type', problems) ?? 'f16') as KvCacheType;
    if (problems.length) throw new UsageError(problems);
    const { startServe } = await import('../../engine/serve/server.js');
    const handle = await startServe({
      modelPath: isRemoteModelRef(model!) ? model! : resolve(io.cwd, model!),
      host: v.host as string,
      port: v.port as number,
      parallel: v.parallel as number,
      threads: threads ?? null,
      batchSize: batchSize ?? null,
      contextSize: contextSize ?? null,
      gpuLayers: gpuLayers ?? null,
      kvCacheType,
      flashAttention: flashAttentionSetting(v.flashAttention),
      cpus: v.engineCpus as CpuSetting,
      gpu: gpuLayers !== undefined && gpuLayers > 0 ? 'auto' : false,
      prefixCache: v.prefixCache as boolean,
    });
    const env = handle.info.environment;
    io.stderr(
      `llmbench serve: ${handle.modelId} (${handle.info.model.type}, chat template: ${handle.info.chatTemplate.name})\n` +
        `  engine: llama.cpp ${env.llama_cpp_release} (${env.build_type}, ${env.backend}), threads ${env.threads}, context ${env.context_size} × ${env.sequences} sequences, prefix cache ${v.prefixCache ? 'on' : 'off'}, KV ${env.kv_cache_type}, CPUs ${env.engine_cpus ?? `not pinned${env.engine_cpus_note ? ` (${String(env.engine_cpus_note)})` : ''}`}\n` +
        `  listening on ${handle.url}  (Ctrl-C stops)\n`,
    );
    io.stdout(`${handle.url}\n`);
    await new Promise<void>((done) => {
      if (io.signal.aborted) done();
      else io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await handle.close();
    return 0;
  },
};
