/**
 * Child side: what serves requests on a loaded engine (load.ts): the addon handle, the context sequences the
 * scheduler decodes on, and one warm-up decode. worker.ts opens one per process; tests open one in-process.
 *
 * The sequences must stay referenced for the engine's lifetime. node-llama-cpp registers every
 * LlamaContextSequence in a FinalizationRegistry (LlamaContext.js `_sequenceGcRegistry`, 3.21.1): once the object
 * is garbage-collected it calls `_reclaimUnusedSequenceId`, which runs llama_memory_seq_rm on that sequence id
 * from the JS thread. The scheduler drives the ids through the addon, so a collected sequence object meant its
 * KV cells were wiped at a moment chosen by the GC: mid-generation (the rest of the text no longer saw the
 * prompt: greedy outputs differed in about 1 of 24 requests on fresh engines) or between two chunks of a scored
 * window (the whole second chunk scored without its context), and possibly while llama_decode ran on a libuv
 * thread. Holding the objects (Scheduler.sequences) keeps the finalizer from ever running.
 */
import { type LlamaContextSequence } from 'node-llama-cpp';
import { type Loaded } from './load.js';
import { native, type Native } from './native.js';
import { Scheduler } from './scheduler.js';

export interface Session {
  nat: Native;
  sched: Scheduler;
}

/**
 * One throw-away decode before the engine reports ready, as llama.cpp's own tools do ("warming up the model with
 * an empty run" in common_init_from_params): the first decode of a fresh context is slower, so it must not reach
 * a measured request.
 */
async function warmup(n: Native, sched: Scheduler, loaded: Loaded): Promise<void> {
  const bos = loaded.model.tokens.bos;
  const eos = loaded.model.tokens.eos;
  const toks = [bos, eos].filter((t): t is NonNullable<typeof t> => t !== null).map(Number);
  if (!toks.length) toks.push(0);
  const seqId = await sched.acquire();
  const release = await sched.mutex.lock();
  try {
    n.ctx.initBatch(toks.length);
    n.ctx.addToBatch(seqId, 0, Uint32Array.from(toks), Uint32Array.from([toks.length - 1]));
    await n.ctx.decodeBatch();
  } finally {
    release();
    sched.release(seqId);
  }
}

export async function openSession(loaded: Loaded, threads: number, sequences: number): Promise<Session> {
  const nat = native(loaded.llama, loaded.context);
  nat.ctx.setThreads(threads);
  const seqs: LlamaContextSequence[] = [];
  for (let i = 0; i < sequences; i++) seqs.push(loaded.context.getSequence());
  const sched = new Scheduler(loaded.model, nat, seqs, loaded.context.batchSize, loaded.context.contextSize);
  await warmup(nat, sched, loaded);
  return { nat, sched };
}
