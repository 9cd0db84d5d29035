/**
 * Child side: continuous batching over the context's sequences, driving llama.cpp through the addon directly
 * (native.ts says why). Each step builds one batch: the last sampled token of every decoding request, then prompt
 * chunks of requests still in prefill, up to the batch size; one llama_decode; then one sample per request
 * that asked for logits (the first alone, then the others concurrently: see step()). Requests beyond the
 * sequences wait FIFO.
 *
 * Timing, per request: `queue_ms` submission → first batch holding its prompt; `prefill_ms` that batch's start →
 * first token sampled; each `decode_steps_ms` entry step start → its token sampled (llama_decode + sampling: what
 * llama-bench times). Our detokenize + IPC between steps is outside the steps but inside client-side ITL.
 *
 * Length forcing: like llama.cpp's `ignore_eos` (logit bias −∞ on every end-of-generation token), so the model
 * writes exactly max_tokens tokens of real text; `min_tokens` bans them only until that many were generated.
 */
import { type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import { type GenEnd, type GenParams } from './protocol.js';
import { type AddonSampler, type Native } from './native.js';
import { TextStream } from './text-stream.js';

export class GenerationError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

export interface JobCallbacks {
  start(promptTokens: number, at: number): void;
  token(text: string, at: number): void;
  cancelled(): boolean;
}

interface Job {
  seqId: number;
  prompt: number[];
  fed: number;
  /** Prompt tokens reused from the sequence's cache (fed starts there). */
  reused: number;
  /** Generated tokens fed to the model (all but the last sampled): with the prompt, what the KV cells hold. */
  fedGenerated: number[];
  /** Token sampled last, to be fed in the next step (null while in prefill). */
  next: number | null;
  generated: number;
  maxTokens: number;
  params: GenParams;
  sampler: AddonSampler;
  /** Sampler without the end-of-generation ban, switched to once min_tokens are out. */
  freeSampler: AddonSampler | null;
  text: TextStream;
  cb: JobCallbacks;
  submittedAt: number;
  firstBatchAt: number | null;
  prefillMs: number | null;
  steps: number[];
  tokenizeMs: number;
  resolve(end: GenEnd): void;
  reject(err: Error): void;
}

const now = () => performance.now();
/** addToBatch only reads the arrays it is given (AddonContext::AddToBatch copies them into the llama_batch). */
const NO_LOGITS = new Uint32Array(0);
const epoch = (t: number) => performance.timeOrigin + t;

/** A FIFO mutex: scoring and generation steps share the one llama_batch of the context. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const prev = this.tail;
    this.tail = new Promise((r) => (release = r));
    await prev;
    return release;
  }
}

export class Scheduler {
  private readonly active: Job[] = [];
  private readonly waiting: Array<(seqId: number) => void> = [];
  private running = false;
  private readonly eog: number[];
  /** The same ids, for the per-token check without a native call. */
  private readonly eogSet: Set<number>;
  private readonly free: number[];
  /** Every llama_context call that reads or changes KV cells or the batch (see acquire) holds it. */
  readonly mutex = new Mutex();

  /**
   * `sequences` are only used for their ids (the scheduler drives them through the addon), but are held here for
   * the scheduler's lifetime: a collected LlamaContextSequence makes node-llama-cpp empty its KV cells (session.ts).
   */
  constructor(
    private readonly model: LlamaModel,
    private readonly nat: Native,
    readonly sequences: readonly LlamaContextSequence[],
    readonly batchSize: number,
    readonly contextSize: number,
  ) {
    this.free = sequences.map((s) => nat.sequenceId(s)).reverse();
    this.eog = [];
    for (const t of model.iterateAllTokens()) if (model.isEogToken(t)) this.eog.push(t);
    this.eogSet = new Set(this.eog);
  }

  /**
   * Prefix cache (EngineConfig.prefixCache): per sequence id, the tokens whose KV cells it holds (the last
   * request's fed prompt and generated tokens). Off: the map stays empty and every acquire empties the cells.
   */
  private readonly cached = new Map<number, number[]>();
  /** Prompt tokens reused, per sequence id, for the request that acquired it last. */
  private readonly reused = new Map<number, number>();
  prefixCache = false;
  /** Release order per sequence id (a counter), for the least-recently-used choice among equal prefixes. */
  private readonly releasedAt = new Map<number, number>();
  private releases = 0;

  /**
   * A sequence id of one's own, waiting FIFO when all are busy. Its KV cells are emptied, except, with the
   * prefix cache on and a `prompt` given, the longest prefix it shares with that prompt: the free sequence
   * sharing the longest prefix is taken (llama.cpp's server picks its slot by the same common-prefix rule).
   */
  async acquire(prompt?: readonly number[]): Promise<number> {
    let id: number | undefined;
    if (this.prefixCache && prompt && this.free.length > 1) {
      // Longest common prefix first; among equals the least recently released (a never-used one first), so a
      // new conversation does not evict another's cache while an older or empty sequence is free.
      let best = -1;
      let bestAt = Infinity;
      for (const f of this.free) {
        const n = commonPrefix(this.cached.get(f) ?? [], prompt);
        const at = this.releasedAt.get(f) ?? -1;
        if (n > best || (n === best && at < bestAt)) [best, bestAt, id] = [n, at, f];
      }
      this.free.splice(this.free.indexOf(id!), 1);
    } else id = this.free.pop();
    id ??= await new Promise<number>((r) => this.waiting.push(r));
    // Keep at most prompt.length − 1 tokens: the last prompt token must be decoded again for its logits.
    let keep = this.prefixCache && prompt ? Math.min(commonPrefix(this.cached.get(id) ?? [], prompt), prompt.length - 1) : 0;
    // Under the mutex: llama_memory_seq_rm edits the KV cache's cell bookkeeping, which a llama_decode of another
    // sequence, running on a libuv thread meanwhile, reads and writes without a lock of its own.
    const release = await this.mutex.lock();
    try {
      // A partial removal can be refused (llama.cpp: recurrent models keep no per-position cells): start cold.
      if (keep > 0 && !this.nat.ctx.removeTokenCellsFromSequence(id, keep, -1)) keep = 0;
      if (keep === 0) this.nat.ctx.disposeSequence(id);
    } finally {
      release();
    }
    this.cached.delete(id);
    this.reused.set(id, keep);
    return id;
  }

  /**
   * Forgets every free sequence's cached tokens (serve's POST /reset_prefix_cache), so the next request on any of
   * them starts cold: acquire() then finds no common prefix and empties the cells. A sequence busy now keeps what
   * its request leaves when it finishes (a flush is meant for an idle server, between scenarios). Returns how many
   * sequences held cached tokens.
   */
  resetPrefixCache(): number {
    const n = [...this.cached.values()].filter((t) => t.length > 0).length;
    this.cached.clear();
    return n;
  }

  release(id: number): void {
    this.releasedAt.set(id, ++this.releases);
    const w = this.waiting.shift();
    if (w) w(id);
    else this.free.push(id);
  }

  /** Runs one generation on an acquired sequence; resolves when it ends. */
  generate(seqId: number, prompt: number[], params: GenParams, cb: JobCallbacks, submittedAt: number, tokenizeMs: number): Promise<GenEnd> {
    if (prompt.length === 0) return Promise.reject(new GenerationError('the prompt has no tokens', 'empty_prompt'));
    if (prompt.length >= this.contextSize) {
      return Promise.reject(new GenerationError(`the prompt has ${prompt.length} tokens; the context holds ${this.contextSize} per sequence`, 'context_length_exceeded'));
    }
    const maxTokens = params.maxTokens ?? this.contextSize - prompt.length;
    if (prompt.length + maxTokens > this.contextSize) {
      return Promise.reject(new GenerationError(`prompt (${prompt.length} tokens) + max_tokens (${maxTokens}) exceed the context of ${this.contextSize} tokens per sequence`, 'context_length_exceeded'));
    }
    for (const t of prompt) {
      if (!Number.isInteger(t) || t < 0) return Promise.reject(new GenerationError(`invalid token id ${t}`, 'invalid_token'));
    }
    cb.start(prompt.length, epoch(now()));
    const seed = params.seed ?? Math.floor(Date.now() / 1000);
    const ban = params.ignoreEos || params.minTokens > 0;
    const sampler = this.nat.newSampler({ temperature: params.temperature, seed, banned: ban ? this.eog : undefined });
    const freeSampler = ban && !params.ignoreEos ? this.nat.newSampler({ temperature: params.temperature, seed }) : null;
    return new Promise<GenEnd>((resolve, reject) => {
      const reused = this.reused.get(seqId) ?? 0;
      this.reused.delete(seqId);
      const job: Job = {
        seqId, prompt, fed: reused, reused, fedGenerated: [], next: null, generated: 0, maxTokens, params, sampler, freeSampler,
        text: new TextStream(this.model, prompt), cb, submittedAt, firstBatchAt: null, prefillMs: null, steps: [], tokenizeMs, resolve, reject,
      };
      if (maxTokens === 0) return this.finish(job, 'length', epoch(now()));
      this.active.push(job);
      if (!this.running) void this.loop();
    });
  }

  private finish(job: Job, reason: GenEnd['reason'], at: number): void {
    const i = this.active.indexOf(job);
    if (i >= 0) this.active.splice(i, 1);
    job.sampler.dispose();
    job.freeSampler?.dispose();
    if (this.prefixCache) this.cached.set(job.seqId, [...job.prompt.slice(0, job.fed), ...job.fedGenerated]);
    job.resolve({
      reason,
      at,
      promptTokens: job.prompt.length,
      cachedTokens: job.reused,
      completionTokens: job.generated,
      engine: {
        tokenize_ms: job.tokenizeMs,
        detokenize_ms: job.text.detokenizeMs,
        prefill_ms: job.prefillMs,
        decode_steps_ms: job.steps,
        queue_ms: (job.firstBatchAt ?? now()) - job.submittedAt,
      },
    });
  }

  private fail(job: Job, err: Error): void {
    const i = this.active.indexOf(job);
    if (i >= 0) this.active.splice(i, 1);
    job.sampler.dispose();
    job.freeSampler?.dispose();
    job.reject(err);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.active.length > 0) {
        const release = await this.mutex.lock();
        try {
          await this.step();
        } finally {
          release();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async step(): Promise<void> {
    const { ctx } = this.nat;
    const t0 = now();
    const items: Array<{ job: Job; tokens: Uint32Array; pos: number; logits: boolean; index: number }> = [];
    let slots = this.batchSize;
    for (const job of this.active) {
      if (job.next !== null && slots > 0) {
        items.push({ job, tokens: Uint32Array.of(job.next), pos: job.prompt.length + job.generated - 1, logits: true, index: -1 });
        job.fedGenerated.push(job.next);
        slots--;
      }
    }
    for (const job of this.active) {
      if (job.fed < job.prompt.length && slots > 0) {
        const n = Math.min(slots, job.prompt.length - job.fed);
        const last = job.fed + n === job.prompt.length;
        items.push({ job, tokens: Uint32Array.from(job.prompt.slice(job.fed, job.fed + n)), pos: job.fed, logits: last, index: -1 });
        job.firstBatchAt ??= t0;
        job.fed += n;
        slots -= n;
      }
    }
    if (items.length === 0) return;
    try {
      ctx.initBatch(this.batchSize - slots);
      for (const it of items) {
        const idx = ctx.addToBatch(it.job.seqId, it.pos, it.tokens, it.logits ? Uint32Array.of(it.tokens.length - 1) : NO_LOGITS);
        if (it.logits) it.index = idx[0]!;
      }
      await ctx.decodeBatch();
    } catch (err) {
      for (const it of items) this.fail(it.job, new GenerationError(`llama_decode failed: ${(err as Error).message}`, 'engine_error'));
      return;
    }
    const sampled = items.filter((it) => it.logits);
    const sampleOne = async (it: (typeof sampled)[number]) => {
      const job = it.job;
      try {
        const useFree = job.freeSampler !== null && job.generated >= job.params.minTokens;
        const r = await ctx.sampleToken(it.index, useFree ? job.freeSampler! : job.sampler);
        const t = now();
        const tok = typeof r === 'number' ? r : r[0];
        if (job.prefillMs === null) job.prefillMs = t - (job.firstBatchAt ?? t0);
        else job.steps.push(t - t0);
        if (tok < 0) return this.fail(job, new GenerationError('failed to sample the next token', 'engine_error'));
        if (this.eogSet.has(tok)) return this.finish(job, 'stop', epoch(t));
        job.generated++;
        const last = job.generated >= job.maxTokens;
        job.cb.token(job.text.push(tok, last), epoch(t));
        if (last) return this.finish(job, 'length', epoch(t));
        if (job.cb.cancelled()) return this.finish(job, 'cancelled', epoch(t));
        job.next = tok;
      } catch (err) {
        this.fail(job, new GenerationError(`sampling failed: ${(err as Error).message}`, 'engine_error'));
      }
    };
    // The first sample alone, the rest concurrently. When a batch holds several sequences, llama.cpp's ubatch
    // split (split_equal: KV streams per sequence) can produce the outputs out of batch order; llama_decode only
    // records the row swaps, and the first logits access applies them (llama_context::output_reorder, unlocked).
    // Concurrent first accesses from libuv threads swapped rows twice or half-way: a sequence then sampled another
    // one's logits (seen: 14 of 120 outputs of 4 concurrent greedy requests differed from the same prompts run
    // alone). Once one sample has returned, the swaps are applied and the logits are only read.
    if (sampled.length > 0) await sampleOne(sampled[0]!);
    if (sampled.length > 1) await Promise.all(sampled.slice(1).map(sampleOne));
  }
}

/** Length of the common prefix of two token lists. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
