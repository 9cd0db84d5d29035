/**
 * Synthetic prompts of an exact token length (`--input-tokens A,B` or a range `100-300`), built from words and
 * verified by re-tokenizing with the best tokenizer available (server endpoint, --tokenizer file, or engine).
 *
 * Method, per prompt: draw salted words (the salt differs per scenario, repeat and request so a prefix cache
 * cannot flatter the numbers, unless --shared-prefix asks for a shared start), tokenize, cut the ids at the
 * target, decode, and re-tokenize to verify ("decode"). Where the tokenizer can only count (a server with
 * /tokenize but no working /detokenize), the text is resized instead: binary-search the word count, then pad or
 * trim one word at a time, re-counting each time ("recount"); the result is exact all the same. results.json
 * says which (scenario.workload.length_method). For the chat API the target counts what the model sees, template included: the
 * template's overhead is measured once with the tokenizer's chat counting and subtracted from the content
 * length; where it can't be measured the record says so (input_tokens then comes from the server's usage).
 */
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { type PrefixBlock, type PromptItem, type Workload, type WorkloadContext } from './workload.js';
import { WORDS } from './words.js';

export interface LengthSpec {
  min: number;
  max: number;
}

export function parseLength(raw: string): LengthSpec {
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  if (!m) throw new Error(`'${raw}' is not a token count or a range like 100-300`);
  const min = Number(m[1]);
  const max = m[2] !== undefined ? Number(m[2]) : min;
  if (max < min) throw new Error(`range '${raw}' ends before it starts`);
  return { min, max };
}

export function formatLength(l: LengthSpec): string {
  return l.min === l.max ? String(l.min) : `${l.min}-${l.max}`;
}

export interface SyntheticOptions {
  input: LengthSpec;
  output: LengthSpec | null;
  /** Tokens at the start of every prompt that are the same for all requests (prefix-cache studies). */
  sharedPrefix: number;
  /** --prefix-groups: how many distinct shared prefixes (1: every prompt shares one). */
  prefixGroups?: number;
  /** --prefix-weights: relative weight of each group (absent: uniform). */
  prefixWeights?: number[] | null;
  scenarioKey: string;
}

/**
 * How exact-length prompts are built: "decode" cuts token ids and decodes them; "recount" resizes the text and
 * re-counts (the tokenizer cannot decode). Without a tokenizer, lengths are approximate: "calibrated" from the
 * server's usage.prompt_tokens, else "estimated" at ~1.3 tokens per word.
 */
export type LengthMethod = 'decode' | 'recount' | 'calibrated' | 'estimated';

/** Whether decoding is used; a tokenizer whose decode fails once is only counted with from then on. */
export interface DecodeState {
  decode: boolean;
  /** Why decoding was given up (the first error), or null. */
  failure: string | null;
}

/**
 * Builds text of exactly `n` tokens under `tok`, starting with `start` words. Returns null if it can't converge.
 * `state` (shared across calls) records a failed decode so the next prompts go straight to re-counting.
 */
export async function exactText(tok: Tokenizer, n: number, words: () => string, start = '', state: DecodeState = { decode: Boolean(tok.decode), failure: null }): Promise<string | null> {
  if (n <= 0) return '';
  let text = start;
  // Grow the candidate until it has at least n tokens.
  let ids = await tok.encode(text);
  let guard = 0;
  while (ids.length < n + 2 && guard++ < 64) {
    const need = Math.max(4, Math.ceil((n + 2 - ids.length) * 0.9));
    const add: string[] = [];
    for (let i = 0; i < need; i++) add.push(words());
    text = text ? `${text} ${add.join(' ')}` : add.join(' ');
    ids = await tok.encode(text);
  }
  if (tok.decode && state.decode) {
    // Cut at n tokens, decode, verify; decoding can merge or split at the cut, so nudge and retry.
    let cut = n;
    for (let attempt = 0; attempt < 8; attempt++) {
      let candidate: string;
      try {
        candidate = await tok.decode(ids.slice(0, cut));
      } catch (e) {
        // A server may tokenize but not detokenize (404, or a 200 that is not JSON): count-only from here on.
        state.decode = false;
        state.failure = (e as Error).message;
        break;
      }
      const m = (await tok.encode(candidate)).length;
      if (m === n) return candidate;
      cut += n - m;
      if (cut <= 0 || cut > ids.length) break;
    }
  }
  // Re-counting: the longest word prefix with ≤ n tokens, then one-token pads (or trims), each verified.
  const parts = text.split(' ');
  let lo = 0;
  let hi = parts.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await tok.encode(parts.slice(0, mid).join(' '))).length <= n) lo = mid;
    else hi = mid - 1;
  }
  let s = parts.slice(0, lo).join(' ');
  for (let pads = 0; pads < 64; pads++) {
    const m = (await tok.encode(s)).length;
    if (m === n) return s;
    if (m > n) {
      s = s.slice(0, s.lastIndexOf(' '));
      continue;
    }
    s = s ? `${s} a` : 'a';
  }
  return null;
}

/**
 * The tokens a prompt's wrapping adds (chat template, BOS) beyond its content, for a tokenizer: `counted` as the
 * tokenizer counts it (null when a chat template cannot be counted), `served` as the server really processes it.
 * What the tokenize endpoint counts and what the server processes can differ (llama.cpp's /apply-template plus
 * /tokenize counts one BOS more than its chat path uses): one probe's usage.prompt_tokens settles it. `plain` is the
 * probe text's own count.
 */
export async function promptOverhead(ctx: WorkloadContext, tok: Tokenizer): Promise<{ counted: number | null; served: number | null; plain: number }> {
  const probe = 'hello there general kenobi';
  const plain = (await tok.encode(probe)).length;
  let counted: number | null;
  if (ctx.api === 'chat') {
    const chat = tok.countChat ? await tok.countChat([{ role: 'user', content: probe }]) : null;
    counted = chat === null ? null : chat - plain;
  } else counted = tok.countPrompt ? (await tok.countPrompt(probe)) - plain : 0;
  let served = counted;
  if (counted !== null && ctx.probe) {
    const item: PromptItem = { input_tokens: null, input_tokens_source: null, output_tokens: 1, force_length: false };
    if (ctx.api === 'chat') item.messages = [{ role: 'user', content: probe }];
    else item.prompt = probe;
    const real = await ctx.probe(item);
    if (real !== null && real !== plain + counted) served = real - plain;
  }
  return { counted, served, plain };
}

export class SyntheticWorkload implements Workload {
  private ctx: WorkloadContext | null = null;
  /** Tokens the chat template (or BOS) adds around the content; null when unknown. */
  private overhead: number | null = null;
  /** Tokens the server processes beyond what the tokenizer's full-prompt count says (llama.cpp chat: −1). */
  private correction = 0;
  private overheadNote: string | null = null;
  /** One exact-length shared prefix per group (--prefix-groups); empty without --shared-prefix. */
  private prefixTexts: string[] = [];
  /** Without a tokenizer: tokens per word and fixed overhead measured from the server's usage.prompt_tokens. */
  private calibration: { perWord: number; overhead: number } | null = null;
  private decodeState: DecodeState = { decode: false, failure: null };

  constructor(private readonly o: SyntheticOptions) {}

  describe(): Record<string, unknown> {
    return {
      kind: 'synthetic',
      input_tokens: formatLength(this.o.input),
      output_tokens: this.o.output ? formatLength(this.o.output) : null,
      shared_prefix_tokens: this.o.sharedPrefix,
      prefix_groups: this.groups(),
      prefix_weights: this.o.prefixWeights ?? null,
      tokenizer: this.ctx?.tokenizer?.description ?? null,
      template_overhead_tokens: this.overhead,
      length_method: this.lengthMethod(),
      note: [this.overheadNote, this.decodeState.failure ? `the tokenizer could not decode (${this.decodeState.failure}): exact-length prompts were built by resizing text and re-counting` : null].filter(Boolean).join('; ') || null,
    };
  }

  private lengthMethod(): LengthMethod | null {
    const tok = this.ctx?.tokenizer;
    if (!this.ctx) return null;
    if (!tok) return this.calibration ? 'calibrated' : 'estimated';
    return this.decodeState.decode ? 'decode' : 'recount';
  }

  size(): number | null {
    return null;
  }

  async prepare(ctx: WorkloadContext): Promise<void> {
    this.ctx = ctx;
    const tok = ctx.tokenizer;
    // A server tokenizer without a working /detokenize (found when the target was probed) offers no decode at all.
    this.decodeState = { decode: Boolean(tok?.decode), failure: tok && !tok.decode ? `${tok.description} offers no working detokenize` : null };
    if (!tok) {
      this.calibration = ctx.probe ? await this.calibrate(ctx) : null;
      this.overheadNote = this.calibration
        ? `no tokenizer: prompt sizes calibrated from the server's usage.prompt_tokens (${this.calibration.perWord.toFixed(3)} tokens per word + ${this.calibration.overhead.toFixed(1)}); lengths are approximate and input_tokens is the server's count`
        : 'no tokenizer and no usage from the server: prompts are sized at ~1.3 tokens per word; input lengths are approximate';
      return;
    }
    const o = await promptOverhead(ctx, tok);
    if (o.counted === null) this.overheadNote = 'the chat template could not be counted: input_tokens counts the message content only until the server reports usage';
    else if (o.served !== o.counted) {
      this.overheadNote = `the server processed ${o.plain + o.served!} prompt tokens where its tokenizer counted ${o.plain + o.counted}: every prompt's count is corrected by ${o.served! - o.counted}`;
      this.correction = o.served! - o.counted;
    }
    this.overhead = o.served;
    if (this.o.sharedPrefix > 0) {
      // Group 0 is the single shared prefix of before; each further group starts with a different word (so its
      // first token differs) and draws its words from its own seed.
      this.prefixTexts = [];
      let others: string[] = [];
      for (let g = 0; g < this.groups(); g++) {
        const rng = new Rng(g === 0 ? 0x5eed : hash(`prefix-group:${g}`));
        const words = () => WORDS[rng.int(0, WORDS.length - 1)]!;
        // 37 is prime to the 248 words left: groups 1..247 start with distinct words, none group 0's first.
        const start = g === 0 ? '' : others[(g * 37) % others.length]!;
        this.prefixTexts.push((await exactText(tok, this.o.sharedPrefix, words, start, this.decodeState)) ?? '');
        if (g === 0) others = WORDS.filter((x) => x !== this.prefixTexts[0]!.split(' ')[0]);
      }
    }
    if (this.o.input.min - (this.overhead ?? 0) - this.o.sharedPrefix < 1) {
      throw new UsageError([{ where: '--input-tokens', message: `${this.o.input.min} tokens is too short: the ${ctx.api === 'chat' ? 'chat template' : 'prompt format'}${this.o.sharedPrefix ? ' and shared prefix' : ''} alone takes ${(this.overhead ?? 0) + this.o.sharedPrefix}`, hint: `use at least ${(this.overhead ?? 0) + this.o.sharedPrefix + 1}, or --api completions` }]);
    }
  }

  private groups(): number {
    return this.o.prefixGroups ?? 1;
  }

  /** The shared-prefix group of request `index`: a pure function of the index (and seed), never of timing. */
  group(index: number): number {
    const g = this.groups();
    if (g <= 1) return 0;
    const u = new Rng(hash(`${this.ctx?.seed ?? 0}:${this.o.scenarioKey}:group:${index}`)).next();
    const w = this.o.prefixWeights ?? null;
    if (!w) return Math.min(g - 1, Math.floor(u * g));
    const sum = w.reduce((a, b) => a + b, 0);
    let acc = 0;
    for (let k = 0; k < g; k++) {
      acc += w[k]! / sum;
      if (u < acc) return k;
    }
    return g - 1;
  }

  /** Request (repeat, index)'s own generator and its prompt length, its first draw: item() goes on drawing from it. */
  private draw(repeat: number, index: number): { rng: Rng; target: number } {
    const rng = new Rng(hash(`${this.ctx!.seed}:${this.o.scenarioKey}:${repeat}:${index}`));
    return { rng, target: this.o.input.min === this.o.input.max ? this.o.input.min : rng.int(this.o.input.min, this.o.input.max) };
  }

  prefixBlocks(repeat: number, index: number): { blocks: PrefixBlock[]; total: number } | null {
    if (!this.ctx) return null;
    const { target: total } = this.draw(repeat, index);
    return { blocks: this.o.sharedPrefix > 0 ? [{ key: `group:${this.group(index)}`, tokens: this.o.sharedPrefix }] : [], total };
  }

  /** Tokens the server will process for this content (template or BOS included), or null when unknown. */
  private async countWhole(content: string): Promise<number | null> {
    const tok = this.ctx!.tokenizer!;
    const n = this.ctx!.api === 'chat' ? (tok.countChat ? await tok.countChat([{ role: 'user', content }]) : null) : tok.countPrompt ? await tok.countPrompt(content) : null;
    return n === null ? null : n + this.correction;
  }

  /** Two probes (10 and 110 words) give tokens per word and the template's fixed overhead. */
  private async calibrate(ctx: WorkloadContext): Promise<{ perWord: number; overhead: number } | null> {
    const rng = new Rng(0xca1);
    const text = (n: number) => Array.from({ length: n }, () => WORDS[rng.int(0, WORDS.length - 1)]!).join(' ');
    const probe = (words: number) => {
      const content = text(words);
      const item: PromptItem = { input_tokens: null, input_tokens_source: null, output_tokens: 1, force_length: false };
      if (ctx.api === 'chat') item.messages = [{ role: 'user', content }];
      else item.prompt = content;
      return ctx.probe!(item);
    };
    const a = await probe(10);
    const b = await probe(110);
    if (a === null || b === null || b <= a) return null;
    const perWord = (b - a) / 100;
    return { perWord, overhead: a - 10 * perWord };
  }

  async item(repeat: number, index: number): Promise<PromptItem> {
    const ctx = this.ctx!;
    const { rng, target } = this.draw(repeat, index);
    const output = this.o.output ? (this.o.output.min === this.o.output.max ? this.o.output.min : rng.int(this.o.output.min, this.o.output.max)) : null;
    const word = () => WORDS[rng.int(0, WORDS.length - 1)]!;
    // The salt leads the prompt so no two requests share a first block (unless a shared prefix is asked for).
    const salt = `${rng.int(0, 36 ** 4).toString(36)} ${rng.int(0, 36 ** 4).toString(36)}`;
    const tok = ctx.tokenizer;
    let content: string;
    let exact: number | null = null;
    if (tok) {
      let contentTokens = target - (this.overhead ?? 0) - this.o.sharedPrefix;
      content = '';
      // The content's own count can change inside the template (a word after "user\n" may tokenize without its
      // leading-space piece), so the whole prompt is counted again and the content resized until it is exact.
      for (let attempt = 0; attempt < 4; attempt++) {
        const body = await exactText(tok, contentTokens, word, salt, this.decodeState);
        if (body === null) throw new UsageError([{ where: '--input-tokens', message: `could not build a prompt of exactly ${target} tokens with ${tok.description}` }]);
        const prefixText = this.prefixTexts[this.group(index)] ?? '';
        content = prefixText ? await fixJoin(tok, `${prefixText} ${body}`, this.o.sharedPrefix + contentTokens) : body;
        const whole = await this.countWhole(content);
        if (whole === null || whole === target) break;
        contentTokens += target - whole;
      }
      exact = this.overhead === null ? null : target;
    } else {
      // Calibrated (or ~1.3) tokens per word; usage.prompt_tokens gives the real count afterwards.
      const perWord = this.calibration?.perWord ?? 1.3;
      const overhead = this.calibration?.overhead ?? 0;
      const words = [salt];
      for (let i = 0; i < Math.max(1, Math.round((target - overhead) / perWord) - 2); i++) words.push(word());
      content = words.join(' ');
    }
    const item: PromptItem = {
      input_tokens: exact,
      input_tokens_source: exact !== null ? tok!.source : null,
      output_tokens: output,
      force_length: output !== null,
    };
    if (this.o.sharedPrefix > 0 && this.groups() > 1) item.meta = { prefix_group: this.group(index) };
    if (ctx.api === 'chat') item.messages = [{ role: 'user', content }];
    else item.prompt = content;
    return item;
  }
}

/** Shared prefix + body may merge a token at the seam; trim or pad the body end until the total is exact. */
async function fixJoin(tok: Tokenizer, text: string, n: number): Promise<string> {
  let s = text;
  for (let i = 0; i < 16; i++) {
    const m = (await tok.encode(s)).length;
    if (m === n) return s;
    s = m > n ? s.slice(0, s.lastIndexOf(' ')) : `${s} a`;
  }
  return s;
}

/** FNV-1a 32-bit: stable seeds from strings. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
