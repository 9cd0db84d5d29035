import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { planWindows, perplexityOfText, perplexityOfFile } from '../../src/quality/perplexity.js';
import { type TokenScorer } from '../../src/core/scorer.js';
import { UsageError, SetupError } from '../../src/core/errors.js';

/**
 * A scorer whose log-probability of token t is −t/10 whatever the context, so every perplexity below can be
 * worked out by hand. It records the sequences it was asked to score.
 */
function fakeScorer(ids: number[], opts: { bos?: number | null; maxTokens?: number } = {}) {
  const seen: number[][] = [];
  const scorer: TokenScorer = {
    description: 'fake',
    tokenizer: 'fake-tokenizer',
    maxTokens: opts.maxTokens ?? 64,
    bos: opts.bos ?? null,
    tokenize: async () => [...ids],
    scoreTokens: async (seq) => {
      seen.push([...seq]);
      return seq.map((t, i) => (i === 0 ? null : -t / 10));
    },
  };
  return { scorer, seen };
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('planWindows: stride = window gives llama-perplexity halves', () => {
  // 20 tokens, window 8: ⌊20/8⌋ = 2 windows, positions 5..7 scored (8/2 + 1 = 5)
  assert.deepEqual(planWindows(20, 8, 8, true), [
    { start: 0, length: 8, scoreFrom: 5, bosFirst: true },
    { start: 8, length: 8, scoreFrom: 5, bosFirst: true },
  ]);
  assert.deepEqual(planWindows(7, 8, 8, true), []);
});

test('planWindows: stride < window scores each window\'s last S tokens, ⌈(N−W)/S⌉ windows', () => {
  assert.deepEqual(planWindows(20, 8, 4, true), [
    { start: 0, length: 8, scoreFrom: 4, bosFirst: false },
    { start: 4, length: 8, scoreFrom: 4, bosFirst: false },
    { start: 8, length: 8, scoreFrom: 4, bosFirst: false },
  ]);
  assert.deepEqual(planWindows(8, 8, 4, false), []);
  assert.throws(() => planWindows(20, 8, 9, false), RangeError);
});

test('perplexity, halves, no BOS: hand-computed', async () => {
  const { scorer, seen } = fakeScorer(range(1, 20));
  const r = await perplexityOfText(scorer, 'x', { window: 8, stride: null, sourceName: 'text.txt' });
  // windows [1..8] and [9..16]; scored tokens 6,7,8 and 14,15,16 → nll = (6+7+8+14+15+16)/10 = 6.6 over 6 → 1.1
  assert.deepEqual(seen, [range(1, 8), range(9, 16)]);
  assert.equal(r.tokens_scored, 6);
  assert.ok(Math.abs(r.nll_mean - 1.1) < 1e-12);
  assert.ok(Math.abs(r.perplexity - Math.exp(1.1)) < 1e-12);
  assert.deepEqual({ ...r, perplexity: 0, nll_mean: 0, perplexity_error: 0 }, {
    perplexity: 0, nll_mean: 0, perplexity_error: 0, tokens_scored: 6, tokens_total: 20, windows: 2, window: 8, stride: 8,
    method: 'halves', tokenizer: 'fake-tokenizer', scorer: 'fake', bos: null, source: 'text.txt',
  });
});

test('perplexity, halves, with BOS: BOS prepended and put at the start of every window', async () => {
  const { scorer, seen } = fakeScorer(range(1, 20), { bos: 0 });
  const r = await perplexityOfText(scorer, 'x', { window: 8, stride: null, sourceName: 't' });
  // ids become [0,1..20] (21 tokens): windows [0..7] and [8..15] with 8 → BOS; scored 5,6,7 and 13,14,15 → 60/10/6 = 1.0
  assert.deepEqual(seen, [range(0, 7), [0, ...range(9, 15)]]);
  assert.equal(r.tokens_total, 21);
  assert.ok(Math.abs(r.perplexity - Math.E) < 1e-12);
});

test('perplexity, strided: every token after the first W−S scored once; llama-style ± error', async () => {
  const { scorer, seen } = fakeScorer(range(1, 20), { bos: 0 });
  const ids = range(1, 20);
  scorer.tokenize = async () => [0, ...ids.slice(1)]; // tokenizer already put BOS first: nothing is prepended
  const r = await perplexityOfText(scorer, 'x', { window: 8, stride: 4, sourceName: 't' });
  // tokens [0,2..20] (20): windows at 0,4,8: scored positions 4..7 → tokens 5..8, 9..12, 13..16
  assert.deepEqual(seen, [[0, ...range(2, 8)], range(5, 12), range(9, 16)]);
  assert.equal(r.tokens_scored, 12);
  // nll = 0.5 … 1.6: mean 1.05; population variance 0.01·(12²−1)/12 = 0.1191667
  assert.ok(Math.abs(r.nll_mean - 1.05) < 1e-12);
  assert.ok(Math.abs(r.perplexity - Math.exp(1.05)) < 1e-12);
  assert.ok(Math.abs(r.perplexity_error! - Math.exp(1.05) * Math.sqrt((0.01 * 143) / 12 / 11)) < 1e-9);
  assert.equal(r.method, 'strided');
});

test('perplexity: window defaults to min(512, context); too short or too wide is a UsageError', async () => {
  const { scorer } = fakeScorer(range(1, 100), { maxTokens: 32 });
  const r = await perplexityOfText(scorer, 'x', { window: null, stride: null, sourceName: 't' });
  assert.equal(r.window, 32);
  assert.equal(r.windows, 3);
  await assert.rejects(perplexityOfText(scorer, 'x', { window: 64, stride: null, sourceName: 't' }), (e: unknown) => e instanceof UsageError && /larger than the 32 tokens/.test(e.message));
  const short = fakeScorer(range(1, 10)).scorer;
  await assert.rejects(perplexityOfText(short, 'x', { window: 16, stride: null, sourceName: 'short.txt' }), (e: unknown) => e instanceof UsageError && /short.txt is 10 tokens long; window 16 with stride 16 needs at least 16/.test(e.message));
});

test('perplexity: a scorer that returns no log-probability is a SetupError', async () => {
  const { scorer } = fakeScorer(range(1, 20));
  scorer.scoreTokens = async (seq) => seq.map(() => null);
  await assert.rejects(perplexityOfText(scorer, 'x', { window: 8, stride: null, sourceName: 't' }), (e: unknown) => e instanceof SetupError && e.code === 'LLMBENCH_SCORER_VALUE');
});

test('perplexityOfFile reads the file; a missing file names the flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmbench-ppl-'));
  try {
    const p = join(dir, 'text.txt');
    writeFileSync(p, 'some text');
    const { scorer } = fakeScorer(range(1, 20));
    const r = await perplexityOfFile(scorer, p, { window: 8, stride: null });
    assert.equal(r.source, p);
    await assert.rejects(perplexityOfFile(scorer, join(dir, 'nope.txt'), { window: 8, stride: null }), (e: unknown) => e instanceof UsageError && /--perplexity: cannot read .*nope.txt \(ENOENT\)/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
