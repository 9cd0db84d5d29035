/**
 * The engine child process: forked by EngineProcess (process.ts), it owns node-llama-cpp. Kept in its own process
 * because a malformed GGUF can hit a GGML_ASSERT and abort() the native library, which no JS code can catch; the
 * parent sees the exit and turns it into a clear error.
 *
 * Requests are served on a pool of context sequences (one context, `sequences` sequences): node-llama-cpp batches
 * the pending tokens of all busy sequences into one llama_decode per step, which is continuous batching. Requests
 * beyond the pool wait in FIFO order.
 */
import { type LlamaContextSequence } from 'node-llama-cpp';
import { type CallOp, type ChildMessage, type EngineMemory, type GenInput, type ParentMessage } from './protocol.js';
import { loadEngine, recentLog, type Loaded } from './load.js';
import { generate, GenerationError } from './generate.js';
import { chatTokens, inputTokens } from './prompt.js';
import { scoreTokens } from './score.js';
import { type ChatMessage } from '../../core/chat.js';

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

let engine: Loaded | null = null;
const free: LlamaContextSequence[] = [];
const waiting: Array<(s: LlamaContextSequence) => void> = [];
const cancelled = new Set<number>();

function acquire(): Promise<LlamaContextSequence> {
  const s = free.pop();
  if (s) return Promise.resolve(s);
  return new Promise((resolve) => waiting.push(resolve));
}

function release(s: LlamaContextSequence): void {
  const next = waiting.shift();
  if (next) next(s);
  else free.push(s);
}

async function onGen(id: number, msg: Extract<ParentMessage, { t: 'gen' }>): Promise<void> {
  const e = engine!;
  const q0 = performance.now();
  const seq = await acquire();
  try {
    if (cancelled.has(id)) return void send({ t: 'end', id, end: { reason: 'cancelled', at: performance.timeOrigin + performance.now(), promptTokens: 0, completionTokens: 0, engine: { tokenize_ms: 0, detokenize_ms: 0, prefill_ms: null, decode_steps_ms: [], queue_ms: performance.now() - q0 } } });
    const end = await generate(e.model, seq, e.template, msg.input, msg.params, {
      start: (promptTokens, at) => send({ t: 'start', id, promptTokens, at }),
      token: (text, at) => send({ t: 'tok', id, text, at }),
      cancelled: () => cancelled.has(id),
    }, performance.now() - q0);
    send({ t: 'end', id, end });
  } catch (err) {
    send({ t: 'fail', id, message: (err as Error).message, code: err instanceof GenerationError ? err.code : 'engine_error' });
  } finally {
    cancelled.delete(id);
    release(seq);
  }
}

async function memory(): Promise<EngineMemory> {
  const e = engine!;
  const vram = e.llama.gpu === false ? null : e.model.memoryUsage.vram + e.context.memoryUsage.vram;
  return {
    // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    model_bytes: e.model.size || null,
    kv_cache_bytes: e.info.kvCacheBytes,
    engine_ram_bytes: e.model.memoryUsage.ram + e.context.memoryUsage.ram || null,
    engine_vram_bytes: vram || null,
  };
}

async function onCall(op: CallOp, args: unknown): Promise<unknown> {
  const e = engine!;
  switch (op) {
    case 'tokenize':
      return e.model.tokenize((args as { text: string }).text);
    case 'detokenize':
      return e.model.detokenize((args as { ids: number[] }).ids as never);
    case 'inputTokens':
      return inputTokens(e.model, e.template, args as GenInput);
    case 'countPrompt':
      return inputTokens(e.model, e.template, { kind: 'prompt', text: (args as { text: string }).text }).length;
    case 'countChat':
      return chatTokens(e.model, e.template, (args as { messages: ChatMessage[] }).messages).length;
    case 'score': {
      const seq = await acquire();
      try {
        return await scoreTokens(seq, (args as { ids: number[] }).ids);
      } finally {
        release(seq);
      }
    }
    case 'memory':
      return memory();
  }
}

process.on('message', (raw) => {
  const msg = raw as ParentMessage;
  switch (msg.t) {
    case 'init':
      loadEngine(msg.config).then(
        (loaded) => {
          engine = loaded;
          for (let i = 0; i < msg.config.sequences; i++) free.push(loaded.context.getSequence());
          send({ t: 'ready', info: loaded.info });
        },
        (err: Error) => {
          const log = [...new Set(recentLog.filter((l) => !l.includes('bad special token') && !l.includes('Falling back to estimation')))].slice(-4).join('\n');
          send({ t: 'load_error', message: `${err.message}${log ? `\n${log}` : ''}` });
        },
      );
      break;
    case 'gen':
      void onGen(msg.id, msg);
      break;
    case 'cancel':
      cancelled.add(msg.id);
      break;
    case 'call':
      onCall(msg.op, msg.args).then(
        (value) => send({ t: 'result', id: msg.id, value }),
        (err: Error) => send({ t: 'fail', id: msg.id, message: err.message }),
      );
      break;
    case 'close':
      // Exit without disposing: the OS reclaims everything, and disposing mid-generation can block on locks.
      send({ t: 'closed' });
      setImmediate(() => process.exit(0));
      break;
  }
});

// The parent went away: nothing left to serve.
process.on('disconnect', () => process.exit(0));
