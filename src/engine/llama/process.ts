/**
 * Parent side of the engine: forks worker.ts, loads the model there, and turns its messages back into promises
 * and stream callbacks. A crash of the child (SIGABRT from a GGML_ASSERT, SIGKILL, OOM) fails every request in
 * flight with EngineCrashed and every later call at once; a model that cannot load rejects `start` with a
 * SetupError naming the file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from '../../core/errors.js';
import { defaultThreads } from './defaults.js';
import { resolveModelRef } from './model-ref.js';
import { type CpuSetting } from './affinity.js';
import {
  type CallOp, type ChildMessage, type EngineConfig, type EngineInfo, type EngineMemory, type GenEnd, type GenInput, type GenParams, type KvCacheType, type ParentMessage,
} from './protocol.js';

export class EngineCrashed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineCrashed';
  }
}

/** A request the engine refused (prompt too long, ...): the child is fine. `code` is stable. */
export class EngineRequestError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

export interface GenHandlers {
  /** Prompt tokenized; generation begins (epoch ms). */
  start?(promptTokens: number, atEpoch: number): void;
  token(text: string, atEpoch: number): void;
}

interface PendingGen {
  handlers: GenHandlers;
  resolve(end: GenEnd): void;
  reject(err: Error): void;
}

interface PendingCall {
  resolve(v: unknown): void;
  reject(err: Error): void;
}

/** Node flags that carry a loader (tsx in development) into the child; test-runner and inspector flags are dropped. */
function childExecArgv(workerIsTs: boolean): string[] {
  const keep: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^--(import|loader|experimental-loader|require)$/.test(a) || a === '-r') {
      keep.push(a, argv[i + 1] ?? '');
      i++;
    } else if (/^--(import|loader|experimental-loader|require)=/.test(a) || /^--(conditions|enable-source-maps|no-warnings)/.test(a)) keep.push(a);
  }
  // Resolved to a file URL: a bare `tsx` would be looked up from the user's working directory, not from llmbench.
  if (workerIsTs && !keep.some((a) => a.includes('tsx'))) keep.push('--import', import.meta.resolve('tsx'));
  return keep;
}

function workerPath(): { path: string; ts: boolean } {
  // Same extension as this module: .ts when run from sources through tsx, .js from dist/.
  const ext = extname(fileURLToPath(import.meta.url));
  return { path: fileURLToPath(new URL(`./worker${ext}`, import.meta.url)), ts: ext === '.ts' };
}

export class EngineProcess {
  private nextId = 1;
  private readonly gens = new Map<number, PendingGen>();
  private readonly calls = new Map<number, PendingCall>();
  private dead: Error | null = null;
  private stderrTail = '';
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess, readonly info: EngineInfo) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.dead === null;
  }

  static async start(config: EngineConfig): Promise<EngineProcess> {
    const w = workerPath();
    const child = fork(w.path, [], { execArgv: childExecArgv(w.ts), stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-4000);
      if (process.env.LLMBENCH_ENGINE_LOG) process.stderr.write(b);
    });
    const hint = `check that ${config.modelPath} is a complete GGUF file of an architecture llama.cpp supports (re-download or re-create it)`;
    const info = await new Promise<EngineInfo>((resolve, reject) => {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        const last = stderr.trim().split('\n').filter((l) => l && !l.includes('bad special token')).slice(-4).join('\n');
        reject(new SetupError('LLMBENCH_ENGINE_LOAD_FAILED', `the engine process ${signal ? `was killed by ${signal}` : `exited with code ${code}`} while loading ${config.modelPath}${last ? `:\n${last}` : ''}`, hint));
      };
      child.once('exit', onExit);
      child.once('error', (err) => reject(new SetupError('LLMBENCH_ENGINE_LOAD_FAILED', `could not start the engine process: ${err.message}`, hint)));
      child.on('message', function onMsg(raw) {
        const msg = raw as ChildMessage;
        if (msg.t === 'ready') {
          child.off('exit', onExit);
          child.off('message', onMsg);
          resolve(msg.info);
        } else if (msg.t === 'load_error') {
          child.off('exit', onExit);
          child.off('message', onMsg);
          child.kill('SIGKILL');
          // The model loaded but the context didn't: the settings don't fit this model, not the file.
          const contextHint = `the engine settings (--kv-cache-type ${config.kvCacheType}, --context-size, --batch-size, --flash-attention) do not fit ${config.modelPath}; see llama.cpp's message`;
          reject(new SetupError('LLMBENCH_ENGINE_LOAD_FAILED', `could not load ${config.modelPath}: ${msg.message}`, /Failed to create context/.test(msg.message) ? contextHint : hint));
        }
      });
      child.send({ t: 'init', config } satisfies ParentMessage);
    });
    const ep = new EngineProcess(child, info);
    child.stderr?.on('data', (b: Buffer) => {
      ep.stderrTail = (ep.stderrTail + b.toString('utf8')).slice(-2000);
    });
    child.on('message', (m) => ep.onMessage(m as ChildMessage));
    child.on('exit', (code, signal) => ep.onExit(code, signal));
    // A send racing the child's exit reports ERR_IPC_CHANNEL_CLOSED here; the exit handler already failed everything.
    child.on('error', () => {});
    return ep;
  }

  private onMessage(msg: ChildMessage): void {
    switch (msg.t) {
      case 'start':
        this.gens.get(msg.id)?.handlers.start?.(msg.promptTokens, msg.at);
        break;
      case 'tok': {
        const h = this.gens.get(msg.id)?.handlers;
        if (h) for (let i = 0; i < msg.texts.length; i++) h.token(msg.texts[i]!, msg.ats[i]!);
        break;
      }
      case 'end': {
        const g = this.gens.get(msg.id);
        this.gens.delete(msg.id);
        g?.resolve(msg.end);
        break;
      }
      case 'fail': {
        const err = new EngineRequestError(msg.message, msg.code ?? 'engine_error');
        const g = this.gens.get(msg.id);
        if (g) {
          this.gens.delete(msg.id);
          g.reject(err);
        }
        const c = this.calls.get(msg.id);
        if (c) {
          this.calls.delete(msg.id);
          c.reject(err);
        }
        break;
      }
      case 'result': {
        const c = this.calls.get(msg.id);
        this.calls.delete(msg.id);
        c?.resolve(msg.value);
        break;
      }
      default:
        break;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.dead) return;
    const tail = this.stderrTail.trim().split('\n').filter((l) => l && !l.includes('bad special token')).slice(-3).join('\n');
    this.dead = new EngineCrashed(`the engine process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`);
    for (const g of this.gens.values()) g.reject(this.dead);
    for (const c of this.calls.values()) c.reject(this.dead);
    this.gens.clear();
    this.calls.clear();
  }

  private post(msg: ParentMessage): void {
    if (this.dead) throw this.dead;
    this.child.send(msg);
  }

  generate(input: GenInput, params: GenParams, handlers: GenHandlers, signal?: AbortSignal): Promise<GenEnd> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<GenEnd>((resolve, reject) => {
      const onAbort = () => {
        if (this.gens.has(id) && !this.dead) this.child.send({ t: 'cancel', id } satisfies ParentMessage);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.gens.set(id, {
        handlers,
        resolve: (e) => (done(), resolve(e)),
        reject: (e) => (done(), reject(e)),
      });
      this.post({ t: 'gen', id, input, params });
      if (signal?.aborted) onAbort();
    });
  }

  call<T>(op: CallOp, args: unknown): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ t: 'call', id, op, args });
    });
  }

  memory(): Promise<EngineMemory> {
    return this.call<EngineMemory>('memory', null);
  }

  /** Stops the child; safe to call twice or after a crash. */
  async close(): Promise<void> {
    if (!this.dead) {
      this.dead = new EngineCrashed('the engine was closed');
      for (const g of this.gens.values()) g.reject(this.dead);
      for (const c of this.calls.values()) c.reject(this.dead);
      this.gens.clear();
      this.calls.clear();
      try {
        this.child.send({ t: 'close' } satisfies ParentMessage);
      } catch {
        // channel already gone
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

/** Engine settings as users give them (`run` and `serve` take the same): unset means the engine's default. */
export interface EngineSettings {
  threads?: number | null;
  batchSize?: number | null;
  contextSize?: number | null;
  gpuLayers?: number | null;
  kvCacheType?: KvCacheType;
  flashAttention?: boolean | null;
  gpu?: false | 'auto';
  /** --engine-cpus; unset = 'auto'. */
  cpus?: CpuSetting;
  /** Reuse cached prompt prefixes across requests (EngineConfig.prefixCache); serve's default. */
  prefixCache?: boolean;
}

/** Resolves the model reference (a path, or hf:/https downloaded once) and starts the engine with defaults filled in. */
export async function startEngine(modelRef: string, s: EngineSettings, sequences: number, tokenFlushMs?: number): Promise<{ engine: EngineProcess; modelPath: string }> {
  const modelPath = await resolveModelRef(modelRef);
  const engine = await EngineProcess.start({
    modelPath,
    threads: s.threads ?? defaultThreads(),
    batchSize: s.batchSize ?? null,
    contextSize: s.contextSize ?? null,
    gpuLayers: s.gpuLayers ?? null,
    kvCacheType: s.kvCacheType ?? 'f16',
    flashAttention: s.flashAttention ?? null,
    sequences,
    gpu: s.gpu ?? false,
    ...(tokenFlushMs !== undefined ? { tokenFlushMs } : {}),
    ...(s.cpus !== undefined ? { cpus: s.cpus } : {}),
    ...(s.prefixCache ? { prefixCache: true } : {}),
  });
  return { engine, modelPath };
}
