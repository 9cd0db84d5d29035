/**
 * Trace replay (`--trace FILE --trace-format mooncake|azure|burstgpt`): production request logs replayed with
 * their arrival times, exact input lengths, forced output lengths and, for Mooncake, their prefix sharing.
 *
 * A Mooncake entry's `hash_ids` name its prompt's blocks of `--trace-block-size` tokens; two entries whose ids
 * share a leading run of k ids share exactly k blocks of prompt. Each hash id is built once into a block of words
 * (its first word chosen so that sibling blocks, which follow the same prefix, start with different words and so
 * different tokens: no accidental sharing beyond the run), and the prompt is the blocks joined with spaces, each
 * join re-tokenized to verify that the prefix up to block j counts exactly j blocks (a seam that merges tokens is
 * repaired at the block's tail). The last block holds the remainder up to `input_length`; Azure and BurstGPT
 * entries have no hash ids, so their prompts are salted throughout (nothing shared).
 *
 * Files are read whole before anything is sent; a malformed line fails with its file and line number.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { exactText, hash, promptOverhead, type DecodeState } from './synthetic.js';
import { type PrefixBlock, type PromptItem, type Workload, type WorkloadContext } from './workload.js';
import { WORDS } from './words.js';

export type TraceFormat = 'mooncake' | 'azure' | 'burstgpt';

export interface TraceEntry {
  /** Arrival time in ms, on the trace's own clock (its first entry need not be 0; Azure: from its first row's ms). */
  timeMs: number;
  input: number;
  output: number;
  /** Mooncake block ids; null for formats without them. */
  hashIds: number[] | null;
  /** 1-based line of the file the entry came from. */
  line: number;
}

export interface Trace {
  path: string;
  format: TraceFormat;
  /** In send order (by time; entries sharing a time keep their file order), after --trace-limit. */
  entries: TraceEntry[];
  /** Rows with 0 output tokens: failed requests in the trace (BurstGPT logs them), skipped. */
  skippedFailed: number;
}

const bad = (path: string, line: number, message: string): UsageError => new UsageError([{ where: '--trace', message: `${path}:${line}: ${message}`, hint: 'fix or remove the line; the formats are described in docs/workloads.md' }]);

const count = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
};

/**
 * Azure's TIMESTAMP, e.g. `2023-11-16 18:15:46.6805900` (up to 7 fractional digits, optionally a zone), as ms
 * since `baseMs` (a whole number of ms since the epoch; default the epoch) with the fraction kept: Date.parse
 * drops everything below a millisecond, and a double holding epoch ms keeps only ~0.2 µs, so the trace's times
 * are taken relative to its first whole millisecond before the fraction is added. No zone: UTC.
 */
export function parseAzureTime(raw: string, baseMs = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(raw.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  let whole = Date.UTC(y, mo - 1, d, h, mi, s);
  const z = m[8];
  if (z && z !== 'Z') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    whole -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return whole - baseMs + (m[7] ? Number(`0.${m[7]}`) * 1000 : 0);
}

/** One CSV line's fields (quoted fields may hold commas; "" is a quote). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

/** Reads and checks a whole trace file; every entry is validated before anything is sent. */
export function readTrace(path: string, format: TraceFormat, limit: number | null): Trace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError([{ where: '--trace', message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  const lines = text.split(/\r?\n/);
  const entries: TraceEntry[] = [];
  let skippedFailed = 0;
  const add = (e: TraceEntry) => {
    if (e.output === 0) skippedFailed++;
    else entries.push(e);
  };
  if (format === 'mooncake') {
    lines.forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        throw bad(path, line, 'is not valid JSON');
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(path, line, 'is not a JSON object');
      const t = v.timestamp;
      if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw bad(path, line, '"timestamp" must be a number of milliseconds ≥ 0');
      const input = count(v.input_length);
      const output = count(v.output_length);
      if (input === null || input < 1) throw bad(path, line, '"input_length" must be a whole number ≥ 1');
      if (output === null) throw bad(path, line, '"output_length" must be a whole number ≥ 0');
      const ids = v.hash_ids;
      if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) throw bad(path, line, '"hash_ids" must be an array of whole numbers');
      add({ timeMs: t, input, output, hashIds: ids as number[], line });
    });
  } else {
    const headerAt = lines.findIndex((l) => l.trim() !== '');
    if (headerAt < 0) throw new UsageError([{ where: '--trace', message: `${path} is empty` }]);
    const header = csvFields(lines[headerAt]!.replace(/^\uFEFF/, ''));
    const cols = format === 'azure' ? ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] : ['Timestamp', 'Request tokens', 'Response tokens'];
    const at = cols.map((c) => header.indexOf(c));
    const missing = cols.filter((_, k) => at[k]! < 0);
    if (missing.length) throw bad(path, headerAt + 1, `the header has no ${missing.map((c) => `"${c}"`).join(', ')} column (a ${format} trace needs ${cols.map((c) => `"${c}"`).join(', ')})`);
    let azureBase: number | null = null;
    for (let i = headerAt + 1; i < lines.length; i++) {
      const raw = lines[i]!;
      const line = i + 1;
      if (raw.trim() === '') continue;
      const f = csvFields(raw);
      if (f.length < header.length) throw bad(path, line, `has ${f.length} fields where the header has ${header.length}`);
      const [tRaw, inRaw, outRaw] = at.map((k) => f[k]!) as [string, string, string];
      let t: number | null;
      if (format === 'azure') {
        azureBase ??= Math.floor(parseAzureTime(tRaw) ?? 0);
        t = parseAzureTime(tRaw, azureBase);
      }
      else {
        const s = tRaw === '' ? NaN : Number(tRaw);
        t = Number.isFinite(s) && s >= 0 ? s * 1000 : null;
      }
      if (t === null || !Number.isFinite(t)) throw bad(path, line, `${cols[0]} '${tRaw}' is not ${format === 'azure' ? 'a date and time like 2023-11-16 18:15:46.6805900' : 'a number of seconds ≥ 0'}`);
      const input = count(inRaw);
      const output = count(outRaw);
      if (input === null) throw bad(path, line, `${cols[1]} '${inRaw}' is not a whole number`);
      if (output === null) throw bad(path, line, `${cols[2]} '${outRaw}' is not a whole number`);
      if (input < 1 && output > 0) throw bad(path, line, `${cols[1]} is 0: a request needs at least 1 prompt token`);
      add({ timeMs: t, input, output, hashIds: null, line });
    }
  }
  // Replayed in time order; a stable sort keeps the file order of entries that share a time.
  const sorted = entries.map((e, k) => ({ e, k })).sort((a, b) => a.e.timeMs - b.e.timeMs || a.k - b.k).map((x) => x.e);
  const used = limit !== null ? sorted.slice(0, limit) : sorted;
  if (!used.length) throw new UsageError([{ where: '--trace', message: `${path} has no requests to replay${skippedFailed ? ` (${skippedFailed} rows with 0 output tokens were skipped as failed)` : ''}` }]);
  return { path, format, entries: used, skippedFailed };
}

/** Offsets (ms from the first entry) at which the trace's requests are sent, divided by the time scale. */
export function traceOffsets(entries: readonly TraceEntry[], timeScale: number): number[] {
  const t0 = entries.length ? entries[0]!.timeMs : 0;
  return entries.map((e) => (e.timeMs - t0) / timeScale);
}

/** The blocks an entry's prompt is made of: one per hash id while input tokens last, each `blockSize` long. */
export function entryBlocks(e: TraceEntry, blockSize: number, budget: number = e.input): Array<{ id: number; key: string; tokens: number }> {
  const out: Array<{ id: number; key: string; tokens: number }> = [];
  let used = 0;
  let key = '';
  for (const id of e.hashIds ?? []) {
    const n = Math.min(blockSize, budget - used);
    if (n <= 0) break;
    key = key ? `${key},${id}` : String(id);
    out.push({ id, key, tokens: n });
    used += n;
  }
  return out;
}

export interface TraceOptions {
  trace: Trace;
  blockSize: number;
  timeScale: number;
  scenarioKey: string;
}

export class TraceWorkload implements Workload {
  private ctx: WorkloadContext | null = null;
  private overhead: number | null = null;
  private decodeState: DecodeState = { decode: false, failure: null };
  /** Each hash id's first word (index into WORDS): siblings under one prefix get different ones. */
  private firstWord = new Map<number, number>();
  /** Built blocks: per prefix key, the text of its last block as joined after its parent. */
  private nodes = new Map<string, string>();
  private repaired = 0;
  /** Prompts whose whole count missed the trace's input length (a seam no repair fixed). */
  private inexact = 0;
  /** The template/BOS overhead as the tokenizer counts it, before a probe corrected it to the server's count. */
  private tokenizerOverhead = 0;

  constructor(private readonly o: TraceOptions) {
    // First words are assigned in send order at first sighting, skipping the words the sibling blocks (same
    // parent prefix) already start with, so two requests that part after k blocks differ at the next token.
    const siblings = new Map<string, Set<number>>();
    let rank = 0;
    for (const e of o.trace.entries) {
      let parent = '';
      for (const b of entryBlocks(e, o.blockSize)) {
        const used = siblings.get(parent) ?? new Set<number>();
        siblings.set(parent, used);
        let w = this.firstWord.get(b.id);
        if (w === undefined) {
          w = rank++ % WORDS.length;
          for (let k = 0; k < WORDS.length && used.has(w); k++) w = (w + 1) % WORDS.length;
          this.firstWord.set(b.id, w);
        }
        used.add(w);
        parent = b.key;
      }
    }
  }

  describe(): Record<string, unknown> {
    const t = this.o.trace;
    const tok = this.ctx?.tokenizer ?? null;
    return {
      kind: 'trace',
      trace_path: t.path,
      trace_format: t.format,
      trace_entries: t.entries.length,
      trace_skipped_failed: t.skippedFailed,
      time_scale: this.o.timeScale,
      block_size: t.format === 'mooncake' ? this.o.blockSize : null,
      trace_duration_ms: t.entries.length ? t.entries[t.entries.length - 1]!.timeMs - t.entries[0]!.timeMs : 0,
      tokenizer: tok?.description ?? null,
      template_overhead_tokens: this.overhead,
      length_method: !this.ctx ? null : !tok ? 'estimated' : this.decodeState.decode ? 'decode' : 'recount',
      note:
        [
          !this.ctx || tok ? null : 'no tokenizer: prompts are sized at ~1.3 tokens per word; input lengths and block boundaries are approximate',
          this.repaired ? `${this.repaired} block seams changed the token count when joined and were rebuilt to fit` : null,
          this.inexact ? `${this.inexact} prompts could not be made exactly their trace length; their input_tokens_expected is their real count` : null,
          this.decodeState.failure ? `the tokenizer could not decode (${this.decodeState.failure}): prompts were built by resizing text and re-counting` : null,
        ]
          .filter(Boolean)
          .join('; ') || null,
    };
  }

  size(): number {
    return this.o.trace.entries.length;
  }

  /** Send offsets (ms from the phase start) of the trace's requests, in index order. */
  arrivals(): number[] {
    return traceOffsets(this.o.trace.entries, this.o.timeScale);
  }

  prefixBlocks(_repeat: number, index: number): { blocks: PrefixBlock[]; total: number } | null {
    const e = this.o.trace.entries[index];
    if (!e) return null;
    return { blocks: entryBlocks(e, this.o.blockSize).map((b) => ({ key: b.key, tokens: b.tokens })), total: e.input };
  }

  async prepare(ctx: WorkloadContext): Promise<void> {
    this.ctx = ctx;
    const tok = ctx.tokenizer;
    this.decodeState = { decode: Boolean(tok?.decode), failure: tok && !tok.decode ? `${tok.description} offers no working detokenize` : null };
    if (!tok) return;
    // As for synthetic prompts: the server's own count settles the overhead where its tokenizer's differs.
    const o = await promptOverhead(ctx, tok);
    this.overhead = o.served;
    this.tokenizerOverhead = o.counted ?? 0;
  }

  /** A hash id's block of `n` tokens standing alone: its first word, then words seeded by the id. */
  private async blockText(tok: Tokenizer | null, id: number, n: number): Promise<string> {
    const rng = new Rng(hash(`block:${this.ctx!.seed}:${id}`));
    const word = () => WORDS[rng.int(0, WORDS.length - 1)]!;
    const first = WORDS[this.firstWord.get(id) ?? 0]!;
    if (!tok) return [first, ...Array.from({ length: Math.max(0, Math.round(n / 1.3) - 1) }, word)].join(' ');
    return this.exact(tok, n, word, first);
  }

  private async exact(tok: Tokenizer, n: number, word: () => string, start: string): Promise<string> {
    const text = await exactText(tok, n, word, start, this.decodeState);
    if (text === null) throw new UsageError([{ where: '--trace', message: `could not build a prompt block of exactly ${n} tokens with ${tok.description}` }]);
    return text;
  }

  /**
   * `build(k)` makes a piece of k tokens standing alone; joined after `text` (which counts `have` tokens) with a
   * space it must add exactly `n`. Where the seam costs or merges tokens (a tokenizer that counts the space, or
   * joins across it), the piece is rebuilt for the difference; a word-level trim or pad finishes what that misses.
   * Returns the piece and whether the join came out exact.
   */
  private async join(tok: Tokenizer, text: string, have: number, n: number, build: (k: number) => Promise<string>): Promise<{ piece: string; exact: boolean }> {
    const count = async (p: string): Promise<number> => (await tok.encode(text ? `${text} ${p}` : p)).length;
    const want = have + n;
    let k = n;
    let piece = await build(k);
    for (let attempt = 0; attempt < 4; attempt++) {
      const m = await count(piece);
      if (m === want) return { piece, exact: true };
      if (attempt === 0) this.repaired++;
      k += want - m;
      if (k < 1) break;
      piece = await build(k);
    }
    for (let i = 0; i < 16; i++) {
      const m = await count(piece);
      if (m === want) return { piece, exact: true };
      piece = m > want ? piece.slice(0, Math.max(0, piece.lastIndexOf(' '))) : `${piece} a`;
    }
    return { piece, exact: (await count(piece)) === want };
  }

  async item(repeat: number, index: number): Promise<PromptItem> {
    const ctx = this.ctx!;
    const entries = this.o.trace.entries;
    // Warmup requests (negative indexes) are refused with a trace; wrap anyway so an index is always an entry.
    const e = entries[((index % entries.length) + entries.length) % entries.length]!;
    const tok = ctx.tokenizer;
    const budget = e.input - (this.overhead ?? 0);
    const blocks = entryBlocks(e, this.o.blockSize, Math.max(0, budget));
    let text = '';
    let have = 0;
    for (const b of blocks) {
      // A partial last block is cached apart from the full block of the same id (same words, cut shorter).
      const nodeKey = `${b.key}#${b.tokens}`;
      let piece = this.nodes.get(nodeKey);
      if (piece === undefined) {
        // The seam between the parent prefix and this block must hold: verified on the joined prefix.
        piece = tok ? (await this.join(tok, text, have, b.tokens, (k) => this.blockText(tok, b.id, k))).piece : await this.blockText(null, b.id, b.tokens);
        this.nodes.set(nodeKey, piece);
      }
      text = text ? `${text} ${piece}` : piece;
      have += b.tokens;
    }
    // What the hash ids do not cover (or the whole prompt, for formats without them) is salted per request.
    const rest = budget - have;
    if (rest > 0) {
      const rng = new Rng(hash(`${ctx.seed}:${this.o.scenarioKey}:${repeat}:${index}`));
      const word = () => WORDS[rng.int(0, WORDS.length - 1)]!;
      const salt = `${rng.int(0, 36 ** 4).toString(36)} ${rng.int(0, 36 ** 4).toString(36)}`;
      let tail: string;
      if (tok) {
        // Each attempt rebuilds from the same words, so a retry changes the length only.
        tail = (await this.join(tok, text, have, rest, (k) => {
          const r = new Rng(hash(`${ctx.seed}:${this.o.scenarioKey}:${repeat}:${index}:tail`));
          return this.exact(tok, k, () => WORDS[r.int(0, WORDS.length - 1)]!, salt);
        })).piece;
      } else tail = [salt, ...Array.from({ length: Math.max(0, Math.round(rest / 1.3) - 2) }, word)].join(' ');
      text = text ? `${text} ${tail}` : tail;
    }
    // The whole prompt is counted as the model will see it: a seam no repair could fix shows here, and the
    // request then carries its real count rather than the trace's.
    let counted: number | null = null;
    if (tok && this.overhead !== null) {
      const whole = ctx.api === 'chat' ? (tok.countChat ? await tok.countChat([{ role: 'user', content: text }]) : null) : tok.countPrompt ? await tok.countPrompt(text) : (await tok.encode(text)).length;
      counted = whole === null ? null : whole + (this.overhead - this.tokenizerOverhead);
      if (counted !== null && counted !== e.input) this.inexact++;
    }
    const item: PromptItem = {
      input_tokens: counted,
      input_tokens_source: counted !== null ? tok!.source : null,
      output_tokens: e.output,
      force_length: true,
      meta: { trace_line: e.line },
    };
    if (ctx.api === 'chat') item.messages = [{ role: 'user', content: text }];
    else item.prompt = text;
    return item;
  }
}

/**
 * The theoretical maximum prefix-cache hit rate of requests sent in this order: per request, each of its prefix
 * blocks is a hit if an earlier request had the same prefix key, a miss the first time; the rate is the hit
 * tokens over all prompt tokens. Null when the workload cannot say (no prefix structure known).
 */
export function prefixCacheHitRateMax(sent: ReadonlyArray<{ blocks: PrefixBlock[]; total: number } | null>): number | null {
  if (!sent.length || sent.some((s) => s === null)) return null;
  const seen = new Set<string>();
  let hit = 0;
  let total = 0;
  for (const s of sent) {
    total += s!.total;
    for (const b of s!.blocks) {
      if (seen.has(b.key)) hit += b.tokens;
      else seen.add(b.key);
    }
  }
  return total > 0 ? hit / total : null;
}
