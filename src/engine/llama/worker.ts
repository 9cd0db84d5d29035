/**
 * The engine child process: forked by EngineProcess (process.ts), it owns node-llama-cpp. Kept in its own process
 * because a malformed GGUF can hit a GGML_ASSERT and abort() the native library, which no JS code can catch; the
 * parent sees the exit and turns it into a clear error.
 *
 * Requests are served on a pool of context sequences (one context, `sequences` sequences); scheduler.ts batches
 * the pending tokens of all busy sequences into one llama_decode per step (continuous batching). Requests beyond
 * the pool wait in FIFO order.
 */
import { type CallOp, type ChildMessage, type EngineMemory, type GenInput, type ParentMessage } from './protocol.js';
import { loadEngine, recentLog, type Loaded } from './load.js';
import { GenerationError, type Scheduler } from './scheduler.js';
import { openSession } from './session.js';
import { chatTokens, inputTokens } from './prompt.js';
import { scoreTokens } from './score.js';
import { type Native } from './native.js';
import { type ChatMessage } from '../../core/chat.js';
import { applyCpuSetting } from './affinity.js';

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

let engine: Loaded | null = null;
let nat: Native | null = null;
let sched: Scheduler | null = null;
const cancelled = new Set<number>();
let flushMs = 0;

/** Tokens waiting to be sent, per request (see EngineConfig.tokenFlushMs). */
const outbox = new Map<number, { texts: string[]; ats: number[] }>();
let flushTimer: NodeJS.Timeout | null = null;

function flushTokens(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  for (const [id, b] of outbox) send({ t: 'tok', id, texts: b.texts, ats: b.ats });
  outbox.clear();
}

function queueToken(id: number, text: string, at: number): void {
  if (flushMs <= 0) return send({ t: 'tok', id, texts: [text], ats: [at] });
  const b = outbox.get(id);
  if (b) {
    b.texts.push(text);
    b.ats.push(at);
  } else outbox.set(id, { texts: [text], ats: [at] });
  flushTimer ??= setTimeout(flushTokens, flushMs);
}

async function onGen(id: number, msg: Extract<ParentMessage, { t: 'gen' }>): Promise<void> {
  const e = engine!;
  const submitted = performance.now();
  let prompt: number[];
  try {
    prompt = inputTokens(e.model, e.template, msg.input) as number[];
  } catch (err) {
    send({ t: 'fail', id, message: (err as Error).message, code: 'engine_error' });
    cancelled.delete(id);
    return;
  }
  const tokenizeMs = performance.now() - submitted;
  // Tokenized first: with the prefix cache on, the prompt picks the sequence (the longest cached prefix).
  const seqId = await sched!.acquire(prompt);
  try {
    const end = await sched!.generate(seqId, prompt, msg.params, {
      start: (promptTokens, at) => send({ t: 'start', id, promptTokens, at }),
      token: (text, at) => queueToken(id, text, at),
      cancelled: () => cancelled.has(id),
    }, submitted, tokenizeMs);
    flushTokens();
    send({ t: 'end', id, end });
  } catch (err) {
    flushTokens();
    send({ t: 'fail', id, message: (err as Error).message, code: err instanceof GenerationError ? err.code : 'engine_error' });
  } finally {
    cancelled.delete(id);
    sched!.release(seqId);
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
    case 'score':
      return scoreTokens(nat!, sched!, (args as { ids: number[] }).ids);
    case 'memory':
      return memory();
    case 'resetPrefixCache':
      return sched!.resetPrefixCache();
    case 'cpuUsage':
      // All threads of the engine process, µs (getrusage): benchmarks use it where wall time is noisy.
      return process.cpuUsage();
  }
}

process.on('message', (raw) => {
  const msg = raw as ParentMessage;
  switch (msg.t) {
    case 'init': {
      // Before loading: the libuv pool and llama.cpp's threads, created later, inherit the affinity.
      const affinity = applyCpuSetting(msg.config.cpus ?? 'auto', msg.config.threads);
      loadEngine(msg.config).then(
        (loaded) => {
          engine = loaded;
          Object.assign(loaded.info.environment, affinity);
          flushMs = msg.config.tokenFlushMs ?? 0;
          openSession(loaded, msg.config.threads, msg.config.sequences).then(
            (session) => {
              nat = session.nat;
              sched = session.sched;
              sched.prefixCache = msg.config.prefixCache === true;
              send({ t: 'ready', info: loaded.info });
            },
            (err: Error) => send({ t: 'load_error', message: `warmup decode failed: ${err.message}` }),
          );
        },
        (err: Error) => {
          const log = [...new Set(recentLog.filter((l) => !l.includes('bad special token') && !l.includes('Falling back to estimation')))].slice(-4).join('\n');
          send({ t: 'load_error', message: `${err.message}${log ? `\n${log}` : ''}` });
        },
      );
      break;
    }
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
