/**
 * Child side: loads llama.cpp (node-llama-cpp), the model and one context with N sequences, and describes them.
 * Runs only inside the engine child process (worker.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { type EngineConfig, type EngineInfo, type KvCacheType } from './protocol.js';
import { kvCacheBytes, kvShapeFromMetadata } from './kv-cache.js';
import { resolveTemplate, type PromptTemplate } from './prompt.js';
import { DEFAULT_CONTEXT_SIZE } from './defaults.js';

export interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  template: PromptTemplate;
  info: EngineInfo;
}

const GGML_KV_NAME: Record<KvCacheType, 'F16' | 'Q8_0' | 'Q4_0'> = { f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' };

/** Recent native log lines; attached to load errors, which llama.cpp explains only in its log. */
export const recentLog: string[] = [];

function nodeLlamaCppVersion(): string | null {
  try {
    // The package's exports map hides package.json; walk up from its resolved entry point instead.
    let dir = dirname(fileURLToPath(import.meta.resolve('node-llama-cpp')));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'node-llama-cpp') return pkg.version ?? null;
      } catch {
        // keep walking up
      }
    }
  } catch {
    // unknown
  }
  return null;
}

function backendName(gpu: Llama['gpu']): string {
  if (gpu === false) return 'CPU';
  return gpu === 'cuda' ? 'CUDA' : gpu === 'metal' ? 'Metal' : gpu === 'vulkan' ? 'Vulkan' : String(gpu);
}

export async function loadEngine(cfg: EngineConfig): Promise<Loaded> {
  const llama = await getLlama({
    gpu: cfg.gpu,
    build: 'never',
    // Our own threads setting decides; maxThreads caps the pool node-llama-cpp shares between contexts.
    maxThreads: cfg.threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      recentLog.push(`${level}: ${message.trimEnd()}`);
      if (recentLog.length > 40) recentLog.shift();
      if (process.env.LLMBENCH_ENGINE_LOG) process.stderr.write(`[llama.cpp] ${message}`);
    },
  });
  const model = await llama.loadModel({ modelPath: cfg.modelPath, gpuLayers: cfg.gpuLayers ?? (llama.gpu === false ? 0 : 'auto') });
  // A quantized V cache needs flash attention in llama.cpp (context creation fails otherwise), so it is forced on.
  const flashAttention = cfg.kvCacheType !== 'f16' ? true : (cfg.flashAttention ?? undefined);
  const contextSize = cfg.contextSize ?? Math.min(DEFAULT_CONTEXT_SIZE, model.trainContextSize);
  const context = await model.createContext({
    contextSize,
    sequences: cfg.sequences,
    ...(cfg.batchSize !== null ? { batchSize: cfg.batchSize } : {}),
    threads: { ideal: cfg.threads, min: cfg.threads },
    ...(flashAttention !== undefined ? { flashAttention } : {}),
    experimentalKvCacheKeyType: GGML_KV_NAME[cfg.kvCacheType],
    experimentalKvCacheValueType: GGML_KV_NAME[cfg.kvCacheType],
  });
  const template = resolveTemplate(model);
  const shape = kvShapeFromMetadata(model.fileInfo.architectureMetadata as Record<string, unknown> | undefined);
  const cells = context.getAllocatedContextSize();
  const kvBytes = shape ? kvCacheBytes(shape, cells, cfg.kvCacheType, cfg.kvCacheType) : null;
  const info: EngineInfo = {
    pid: process.pid,
    model: {
      path: cfg.modelPath,
      bytes: model.size,
      type: String(model.typeDescription),
      train_context: model.trainContextSize,
      vocab_type: String(model.vocabularyType),
      n_vocab: model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? null,
      bos: model.tokens.bos,
      eos: model.tokens.eos,
      add_bos: model.tokens.shouldPrependBosToken,
    },
    chatTemplate: template.info,
    contextSize: context.contextSize,
    sequences: context.totalSequences,
    kvCacheBytes: kvBytes,
    environment: {
      engine: 'node-llama-cpp',
      node_llama_cpp_version: nodeLlamaCppVersion(),
      llama_cpp_release: llama.llamaCppRelease.release,
      llama_cpp_repo: llama.llamaCppRelease.repo,
      build_type: llama.buildType,
      backend: backendName(llama.gpu),
      cpu_features: llama.systemInfo.trim(),
      cpu_math_cores: llama.cpuMathCores,
      threads: cfg.threads,
      batch_size: context.batchSize,
      context_size: context.contextSize,
      sequences: context.totalSequences,
      kv_cache_type: cfg.kvCacheType,
      flash_attention: context.flashAttention,
      gpu_layers: model.gpuLayers,
      model_type: String(model.typeDescription),
      chat_template: template.info.name,
    },
  };
  return { llama, model, context, template, info };
}
