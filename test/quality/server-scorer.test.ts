import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ServerScorer, serverScorerSupport, fromEcho, fromPromptLogprobs, fromSglang } from '../../src/quality/server-scorer.js';
import { perplexityOfText } from '../../src/quality/perplexity.js';
import { type Tokenizer } from '../../src/core/tokenizer.js';
import { SetupError, UsageError } from '../../src/core/errors.js';

/** The server's log-probability of token t (at any position but the first): −(t − 9)/4. */
const lp = (t: number) => -(t - 9) / 4;

type Mode = 'echo' | 'prompt_logprobs' | 'sglang_generate' | 'no_logprobs' | 'http_400';

/** A scripted /v1/completions that answers like OpenAI (echo) or vLLM (prompt_logprobs), recording bodies. */
async function scriptedServer(mode: Mode) {
  const bodies: Array<Record<string, unknown>> = [];
  const auth: Array<string | undefined> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { prompt: number[]; input_ids: number[] };
      bodies.push(body as unknown as Record<string, unknown>);
      auth.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      if (req.url !== (mode === 'sglang_generate' ? '/generate' : '/v1/completions')) {
        res.statusCode = 404;
        return res.end('{"error":"not found"}');
      }
      if (mode === 'http_400') {
        res.statusCode = 400;
        return res.end('{"error":{"message":"echo is not supported"}}');
      }
      if (mode === 'sglang_generate') {
        // SGLang native: one [logprob, token_id, text] triple per prompt token, the first logprob null
        const ids = body.input_ids;
        const input_token_logprobs = ids.map((t, i) => [i === 0 ? null : lp(t), t, null]);
        return res.end(JSON.stringify({ text: ' the', meta_info: { prompt_tokens: ids.length, completion_tokens: 1, input_token_logprobs, output_token_logprobs: [[-0.5, 5, null]] } }));
      }
      const ids = body.prompt;
      const choice: Record<string, unknown> = { index: 0, text: ' the', finish_reason: 'length' };
      if (mode === 'echo') {
        // prompt tokens first (the first has no log-probability), then the one generated token
        choice.logprobs = { tokens: ids.map(String).concat(' the'), token_logprobs: [null, ...ids.slice(1).map(lp), -0.5], top_logprobs: null, text_offset: [] };
      } else if (mode === 'prompt_logprobs') {
        // vLLM: one dict per position, keyed by the token id as a string; rank-1 alternatives included
        choice.prompt_logprobs = [null, ...ids.slice(1).map((t) => ({ [String(t)]: { logprob: lp(t), rank: 3, decoded_token: `t${t}` }, '99': { logprob: -0.01, rank: 1, decoded_token: 'x' } }))];
        choice.logprobs = null;
      }
      res.end(JSON.stringify({ id: 'cmpl-1', object: 'text_completion', model: 'm', choices: [choice] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, bodies, auth, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const tokenizer: Tokenizer = { source: 'server_tokenizer', description: 'scripted /tokenize', encode: async () => [10, 11, 12, 13, 14, 15, 16, 17] };

const KIND = { echo: 'openai', prompt_logprobs: 'vllm', sglang_generate: 'sglang' } as const;
const NAME = { echo: '/v1/completions echo+logprobs', prompt_logprobs: '/v1/completions prompt_logprobs', sglang_generate: '/generate input_token_logprobs' } as const;

for (const style of ['echo', 'prompt_logprobs', 'sglang_generate'] as const) {
  test(`server scorer (${style}): perplexity from the server's prompt log-probabilities, by hand`, async () => {
    const srv = await scriptedServer(style);
    try {
      const scorer = new ServerScorer({ url: `${srv.url}/v1`, model: 'm', style, tokenizer, maxTokens: 4096, kind: KIND[style], headers: { authorization: 'Bearer k' } });
      const r = await perplexityOfText(scorer, 'ignored', { window: 4, stride: 2, sourceName: 'wiki.txt' });
      // 8 tokens, window 4, stride 2 → ⌈(8−4)/2⌉ = 2 windows [10..13] and [12..15], each scoring its last 2:
      // tokens 12, 13, 14, 15 → log-probs −0.75, −1, −1.25, −1.5 → mean nll 1.125
      assert.equal(r.tokens_scored, 4);
      assert.equal(r.nll_mean, 1.125);
      assert.equal(r.perplexity, Math.exp(1.125));
      assert.equal(r.tokenizer, 'scripted /tokenize');
      assert.equal(r.scorer, `${KIND[style]} ${NAME[style]}`);
      const want = (ids: number[]) =>
        style === 'sglang_generate'
          ? { input_ids: ids, sampling_params: { max_new_tokens: 1, temperature: 0 }, return_logprob: true, logprob_start_len: 0 }
          : { model: 'm', prompt: ids, max_tokens: 1, temperature: 0, ...(style === 'echo' ? { echo: true, logprobs: 1 } : { prompt_logprobs: 0 }) };
      assert.deepEqual(srv.bodies, [want([10, 11, 12, 13]), want([12, 13, 14, 15])]);
      assert.deepEqual(srv.auth, ['Bearer k', 'Bearer k']);
    } finally {
      await srv.close();
    }
  });
}

test('server scorer: a server that ignores echo/logprobs, or rejects them, is a SetupError that says so', async () => {
  for (const mode of ['no_logprobs', 'http_400'] as const) {
    const srv = await scriptedServer(mode);
    try {
      const scorer = new ServerScorer({ url: srv.url, model: 'm', style: 'echo', tokenizer, maxTokens: 4096 });
      await assert.rejects(scorer.scoreTokens([1, 2, 3]), (e: unknown) =>
        e instanceof SetupError && (mode === 'http_400' ? e.code === 'LLMBENCH_SCORER_HTTP' && /HTTP 400/.test(e.message) : e.code === 'LLMBENCH_SCORER_NO_LOGPROBS'));
    } finally {
      await srv.close();
    }
  }
});

test('server scorer: an unreachable server is a SetupError', async () => {
  const srv = await scriptedServer('echo');
  await srv.close();
  const scorer = new ServerScorer({ url: srv.url, model: 'm', style: 'echo', tokenizer, maxTokens: 16 });
  await assert.rejects(scorer.scoreTokens([1, 2]), (e: unknown) => e instanceof SetupError && e.code === 'LLMBENCH_SCORER_UNREACHABLE');
});

test('servers without prompt log-probabilities get a UsageError naming why', () => {
  assert.equal(serverScorerSupport('vllm'), 'prompt_logprobs');
  assert.equal(serverScorerSupport('openai'), 'echo');
  assert.equal(serverScorerSupport('sglang'), 'sglang_generate');
  const why: Record<string, RegExp> = { llamacpp: /n_probs/, ollama: /Ollama returns log-probabilities only for generated tokens/, tgi: /TGI.*no token ids/, lmdeploy: /knows no way.*'lmdeploy'/ };
  for (const [kind, re] of Object.entries(why)) {
    assert.throws(() => serverScorerSupport(kind), (e: unknown) => e instanceof UsageError && re.test(e.message) && /--target embedded/.test(e.message), kind);
  }
});

test('response parsers: alignment and missing entries', () => {
  assert.deepEqual(fromEcho({ choices: [{ logprobs: { token_logprobs: [null, -1, -2, -0.3] } }] }, 3), [null, -1, -2]);
  assert.equal(fromEcho({ choices: [{ logprobs: { token_logprobs: [null, -1] } }] }, 3), null);
  assert.equal(fromEcho({ choices: [{ logprobs: { token_logprobs: [null, null, -1] } }] }, 3), null);
  // top-level prompt_logprobs (chat-style responses) is accepted too; the prompt's own id is picked
  assert.deepEqual(fromPromptLogprobs({ prompt_logprobs: [null, { '7': { logprob: -0.5 }, '8': { logprob: -0.1 } }] }, [5, 7]), [null, -0.5]);
  assert.equal(fromPromptLogprobs({ choices: [{ prompt_logprobs: [null, { '8': { logprob: -0.1 } }] }] }, [5, 7]), null);
  // SGLang: the triple's token id must be the window's token
  assert.deepEqual(fromSglang({ meta_info: { input_token_logprobs: [[null, 5, null], [-0.5, 7, null]] } }, [5, 7]), [null, -0.5]);
  assert.equal(fromSglang({ meta_info: { input_token_logprobs: [[null, 5, null], [-0.5, 8, null]] } }, [5, 7]), null);
  assert.equal(fromSglang({ meta_info: {} }, [5, 7]), null);
});
