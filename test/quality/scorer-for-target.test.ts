import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scorerForTarget } from '../../src/quality/scorer-for-target.js';
import { ServerScorer } from '../../src/quality/server-scorer.js';
import { formatAccuracy, formatPerplexity } from '../../src/quality/format.js';
import { type Target, type TargetInfo } from '../../src/targets/target.js';
import { type Tokenizer } from '../../src/core/tokenizer.js';
import { type TokenScorer } from '../../src/core/scorer.js';
import { UsageError } from '../../src/core/errors.js';

const tok: Tokenizer = { source: 'server_tokenizer', description: 'vLLM /tokenize', encode: async () => [1, 2, 3] };

function target(info: Partial<TargetInfo>, tokenizer: Tokenizer | null, extra: object = {}): Target {
  return {
    info: { kind: 'openai', url: 'http://127.0.0.1:1', api: 'completions', model: 'm', length_forcing: 'none', tokenizer: null, ...info },
    send: async () => undefined,
    tokenizer: () => tokenizer,
    close: async () => undefined,
    ...extra,
  };
}

test('scorerForTarget: the embedded engine scores itself; vLLM and OpenAI get a ServerScorer', () => {
  const own: TokenScorer = { description: 'embedded', tokenizer: 't', maxTokens: 512, bos: 1, tokenize: async () => [], scoreTokens: async () => [] };
  assert.equal(scorerForTarget(target({ kind: 'embedded', url: null }, null, { scorer: () => own })), own);
  const v = scorerForTarget(target({ kind: 'openai', server: { detected: 'vllm', how: 'x', version: null } }, tok), { contextSize: 4096 });
  assert.ok(v instanceof ServerScorer);
  assert.equal(v.description, 'vllm /v1/completions prompt_logprobs');
  assert.equal(v.tokenizer, 'vLLM /tokenize');
  assert.equal(v.maxTokens, 4096);
  assert.equal(scorerForTarget(target({ kind: 'openai' }, tok)).description, 'openai /v1/completions echo+logprobs');
});

test('scorerForTarget: servers that cannot, or a missing tokenizer, are UsageErrors before anything is sent', () => {
  assert.throws(() => scorerForTarget(target({ kind: 'llamacpp' }, tok)), (e: unknown) => e instanceof UsageError && /n_probs/.test(e.message));
  assert.throws(() => scorerForTarget(target({ kind: 'openai', server: { detected: 'ollama', how: null, version: null } }, tok)), (e: unknown) => e instanceof UsageError && /Ollama/.test(e.message));
  assert.throws(() => scorerForTarget(target({ kind: 'vllm' }, null)), (e: unknown) => e instanceof UsageError && /needs its tokenizer endpoint/.test(e.message));
});

test('table cells: accuracy with interval and counts; perplexity with window and stride; n/a when unmeasured', () => {
  assert.equal(formatAccuracy({ accuracy: 0.75, accuracy_ci95: [0.551006, 0.880006], scored: 24, correct: 18 }), '0.750 [0.551, 0.880] (18/24)');
  assert.equal(formatAccuracy({ accuracy: null, accuracy_ci95: null, scored: 0, correct: 0 }), 'n/a');
  assert.equal(formatPerplexity(null), 'n/a');
  assert.equal(formatPerplexity({
    perplexity: 4.413156, nll_mean: 1.48459, perplexity_error: 0.283862, tokens_scored: 819, tokens_total: 1723, windows: 13, window: 128, stride: 128,
    method: 'halves', tokenizer: 't', scorer: 's', bos: 1, source: 'f',
  }), '4.4132 ± 0.2839 (w 128, s 128, 819 tok)');
});
