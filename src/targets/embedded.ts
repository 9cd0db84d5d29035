/**
 * The embedded target: a GGUF model run in-process by node-llama-cpp (llama.cpp), in a child process
 * (src/engine/llama). Timestamps are taken in the engine's process (epochNow) and placed on the run clock with
 * RunClock.fromEpoch, so the inter-process hop never enters TTFT or inter-token latency.
 *
 * What a client of a server can't see, this target reports per request through sink.engine(): tokenize and
 * detokenize time, prefill time, each decode step, and the time a request waited for a free sequence.
 */
import { basename } from 'node:path';
import { type ChatMessage } from '../core/chat.js';
import { type RunClock } from '../core/clock.js';
import { type TokenScorer } from '../core/scorer.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { EngineCrashed, EngineRequestError, type EngineSettings, startEngine } from '../engine/llama/process.js';
import { type EngineMemory, type GenInput, type GenParams } from '../engine/llama/protocol.js';
import { RequestFailure, type GenerationRequest, type StreamSink, type Target, type TargetInfo } from './target.js';

/**
 * Engine settings (threads default to 1 on ≤ 2 cores, see src/engine/llama/defaults.ts; context per sequence
 * defaults to min(4096, the model's training context); flash attention null = llama.cpp decides, always on with a
 * quantized KV cache; gpu false = CPU, 'auto' = a GPU backend when the prebuilt binaries have one).
 */
export interface EmbeddedTargetOptions extends EngineSettings {
  /** A GGUF path, or an hf:/https reference node-llama-cpp resolves (downloaded once to the cache folder). */
  modelPath: string;
  clock: RunClock;
  /** Parallel sequences = the most requests decoded at once. Default 1. */
  sequences?: number;
  /** How often token messages leave the engine process, ms (default 20; 0 = per token). Timestamps are per token regardless. */
  tokenFlushMs?: number;
}

export interface EmbeddedTarget extends Target {
  /** The engine process's memory: its peak RSS, the model, the KV cache, the engine's RAM/VRAM accounting. */
  memory(): Promise<EngineMemory>;
  /** llama.cpp release, build type, backend, threads, batch, context, KV cache type, flash attention... */
  environment(): Record<string, unknown>;
  scorer(): EmbeddedScorer;
  /** The engine child's pid (tests kill it to check crash handling). */
  readonly enginePid: number;
}

/** llama.cpp server's default sampling temperature (tools/server README: `temperature` default 0.8). */
const DEFAULT_TEMPERATURE = 0.8;

export interface EmbeddedScorer extends TokenScorer {
  /** BOS id the model expects first in every window (null when the model adds none). */
  readonly bos: number | null;
}

function genInput(req: GenerationRequest): GenInput {
  if (req.messages && req.messages.length > 0) return { kind: 'chat', messages: req.messages };
  if (typeof req.prompt === 'string') return { kind: 'prompt', text: req.prompt };
  throw new RequestFailure('client', 'the request has neither messages nor a prompt');
}

function genParams(req: GenerationRequest): GenParams {
  const extra = req.extra_body ?? {};
  const minTokens = typeof extra.min_tokens === 'number' ? extra.min_tokens : 0;
  const ignoreEos = (req.force_length && req.max_tokens !== null) || extra.ignore_eos === true;
  return {
    maxTokens: req.max_tokens,
    minTokens: req.force_length && req.max_tokens !== null ? req.max_tokens : minTokens,
    ignoreEos,
    temperature: req.temperature ?? (typeof extra.temperature === 'number' ? extra.temperature : DEFAULT_TEMPERATURE),
    seed: req.seed,
  };
}

export async function createEmbeddedTarget(opts: EmbeddedTargetOptions): Promise<EmbeddedTarget> {
  // Token messages are grouped (timestamps stay per token, taken in the engine): fewer wake-ups of both
  // processes while the engine decodes.
  const { engine, modelPath } = await startEngine(opts.modelPath, opts, opts.sequences ?? 1, opts.tokenFlushMs ?? 20);
  const ei = engine.info;
  const name = basename(opts.modelPath);
  const tokenizerName = `engine: ${ei.model.vocab_type} vocab of ${name} (node-llama-cpp)`;
  const clock = opts.clock;

  const info: TargetInfo = {
    kind: 'embedded',
    url: null,
    api: null,
    model: name,
    length_forcing: 'engine',
    tokenizer: tokenizerName,
    model_path: modelPath,
    chat_template: ei.chatTemplate,
    engine: ei.environment,
  };

  const tokenizer: Tokenizer = {
    source: 'engine',
    description: tokenizerName,
    encode: (text) => engine.call<number[]>('tokenize', { text }),
    decode: (ids) => engine.call<string>('detokenize', { ids }),
    countChat: (messages: ChatMessage[]) => engine.call<number>('countChat', { messages }),
    countPrompt: (text) => engine.call<number>('countPrompt', { text }),
  };

  const scorer: EmbeddedScorer = {
    description: 'embedded (node-llama-cpp, softmax of the logits)',
    tokenizer: tokenizerName,
    maxTokens: ei.contextSize,
    bos: ei.model.add_bos ? ei.model.bos : null,
    // Like llama-perplexity's tokenization: BOS first when the model adds one.
    tokenize: async (text) => {
      const ids = await engine.call<number[]>('tokenize', { text });
      return ei.model.add_bos && ei.model.bos !== null ? [ei.model.bos, ...ids] : ids;
    },
    scoreTokens: async (ids) => {
      if (ids.length > ei.contextSize) throw new RangeError(`${ids.length} tokens exceed the scorer's maximum of ${ei.contextSize} (the context size)`);
      return engine.call<Array<number | null>>('score', { ids });
    },
  };

  return {
    info,
    enginePid: engine.pid,
    async send(req: GenerationRequest, sink: StreamSink, signal: AbortSignal): Promise<void> {
      const input = genInput(req);
      const params = genParams(req);
      if (signal.aborted) throw new RequestFailure('aborted', 'the run was interrupted before the request was sent');
      let end;
      try {
        end = await engine.generate(input, params, { token: (text, at) => sink.delta({ text, tokens: 1, at: clock.fromEpoch(at) }) }, signal);
      } catch (err) {
        if (err instanceof EngineCrashed) throw new RequestFailure('engine', err.message);
        if (err instanceof EngineRequestError) throw new RequestFailure('engine', `${err.message} [${err.code}]`);
        throw err;
      }
      sink.usage({ prompt_tokens: end.promptTokens, completion_tokens: end.completionTokens });
      sink.engine({ ...end.engine });
      if (end.reason === 'cancelled') throw new RequestFailure('aborted', 'the run was interrupted');
      sink.finish(end.reason, clock.fromEpoch(end.at));
    },
    tokenizer: () => tokenizer,
    scorer: () => scorer,
    memory: () => engine.memory(),
    environment: () => ({ ...ei.environment }),
    close: () => engine.close(),
  };
}
