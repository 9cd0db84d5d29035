/**
 * `llmbench run --dataset gsm8k ... --perplexity FILE` end to end against a scripted OpenAI-compatible server
 * (127.0.0.1, port 0) that streams known right and wrong GSM8K answers (gsm8k-replies.ts), tokenizes one token
 * per character and returns echo+logprobs with known values: accuracy, its interval, every request's answer and
 * the perplexity must come out exactly in results.json, requests.jsonl and the summary table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, tempDir } from '../support/cli.js';
import { validate } from '../support/json-schema.js';
import { rebuildResult } from '../../src/runner/rebuild.js';
import { loadRunDir } from '../../src/reports/inputs.js';
import { wilsonInterval } from '../../src/quality/accuracy.js';
import { type ChatMessage } from '../../src/core/chat.js';
import { type RequestRecord } from '../../src/core/record.js';
import { indexOf, isWrong, reply } from './gsm8k-replies.js';

const GSM8K = resolve('../shared/datasets/gsm8k/test.jsonl');

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const c of req) raw += (c as Buffer).toString();
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

async function server(opts: { noLogprobs?: boolean } = {}) {
  const paths: string[] = [];
  const srv = createServer((req, res) => {
    void body(req).then((b) => {
      const path = req.url ?? '';
      paths.push(`${req.method} ${path}`);
      const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (path === '/v1/models') return json(200, { object: 'list', data: [{ id: 'm', object: 'model' }] });
      if (path === '/tokenize') {
        // vLLM form; one token per character (its char code), so windows are easy to work out by hand
        const text = typeof b.prompt === 'string' ? b.prompt : ((b.messages as ChatMessage[] | undefined) ?? []).map((m) => m.content).join('');
        const tokens = [...text].map((c) => c.charCodeAt(0));
        return json(200, { tokens, count: tokens.length });
      }
      if (path === '/v1/completions' && opts.noLogprobs) {
        // like llama.cpp's /v1/completions: echo and prompt log-probabilities are not supported, a plain completion comes back
        return json(200, { choices: [{ index: 0, text: 'x', logprobs: null, finish_reason: 'length' }] });
      }
      if (path === '/v1/completions' && b.echo === true) {
        // the log-probability of token t is −(t − 96)/10 ('a' = 97 → −0.1)
        const ids = b.prompt as number[];
        return json(200, { choices: [{ index: 0, text: 'x', logprobs: { token_logprobs: [null, ...ids.slice(1).map((t) => -(t - 96) / 10), -0.3] } }] });
      }
      if (path === '/v1/chat/completions') {
        const msgs = b.messages as ChatMessage[];
        const k = indexOf.get(msgs[msgs.length - 1]!.content.split('Question: ').pop()!)!;
        const text = reply(k).text;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // streamed in 3 pieces, then the finish chunk, usage and [DONE]
        const cut = [0, Math.floor(text.length / 3), Math.floor((2 * text.length) / 3), text.length];
        for (let i = 0; i < 3; i++) res.write(`data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content: text.slice(cut[i], cut[i + 1]) }, finish_reason: null }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ id: 'c', choices: [], usage: { prompt_tokens: 100, completion_tokens: 3 } })}\n\n`);
        return res.end('data: [DONE]\n\n');
      }
      json(404, { error: { message: `no ${path}` } });
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, paths, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

test('llmbench run --dataset gsm8k --perplexity: exact accuracy, answers and perplexity in the results', { timeout: 60_000 }, async () => {
  const srv = await server();
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'text.txt'), 'abcdefghijklmnopqrst\n');
    const res = await runCli(['run', '--target', srv.url, '--dataset', 'gsm8k', '--dataset-path', GSM8K, '--dataset-limit', '24', '--concurrency', '4', '--temperature', '0',
      '--perplexity', 'text.txt', '--perplexity-window', '8', '--out', join(dir, 'out')], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    const resultsDir = /results: (.+)\n/.exec(res.stderr.split('\n').filter((l) => l.startsWith('results: ')).pop()! + '\n')![1]!;
    const result = JSON.parse(readFileSync(join(resultsDir, 'results.json'), 'utf8'));
    assert.equal(result.scenarios.length, 1);
    const s = result.scenarios[0];
    assert.deepEqual(s.dims.dataset, 'gsm8k');
    assert.equal(s.workload.dataset, 'gsm8k');
    assert.equal(s.workload.items, 24);
    assert.equal(s.workload.template.style, 'chat');
    assert.equal(s.summary.requests_ok, 24);
    // 18 of 24 right (every 4th item answered wrongly by the script)
    assert.equal(s.summary.accuracy, 0.75);
    assert.deepEqual(s.summary.accuracy_ci95, wilsonInterval(18, 24));
    // perplexity: "abcdefghijklmnopqrst" (trailing newline dropped) → 20 tokens, window 8, stride 8: windows a..h and i..p,
    // scored f,g,h and n,o,p → nll (0.6+0.7+0.8+1.4+1.5+1.6)/6 = 1.1
    assert.ok(Math.abs(s.summary.perplexity - Math.exp(1.1)) < 1e-12);
    assert.deepEqual({ ...s.quality.perplexity, perplexity: 0, nll_mean: 0, perplexity_error: 0, source: '' }, {
      perplexity: 0, nll_mean: 0, perplexity_error: 0, tokens_scored: 6, tokens_total: 20, windows: 2, window: 8, stride: 8, method: 'halves',
      tokenizer: 'server POST /tokenize (vLLM/SGLang form)', scorer: 'openai /v1/completions echo+logprobs', bos: null, source: '',
    });
    assert.deepEqual(s.quality.accuracy, { accuracy: 0.75, accuracy_ci95: wilsonInterval(18, 24), scored: 24, correct: 18 });

    const records = readFileSync(join(resultsDir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord);
    assert.equal(records.length, 24);
    // both files still follow the published JSON Schemas with the quality fields in them
    assert.deepEqual(validate(JSON.parse(readFileSync('docs/results.schema.json', 'utf8')), result), []);
    const requestsSchema = JSON.parse(readFileSync('docs/requests.schema.json', 'utf8'));
    for (const r of records) assert.deepEqual(validate(requestsSchema, r), []);
    const byIndex = [...records].sort((a, b) => a.index - b.index);
    for (const r of byIndex) {
      assert.deepEqual(r.answer, { extracted: reply(r.index).expected, gold: reply(r.index).gold, correct: !isWrong(r.index) }, `request ${r.index}`);
    }
    // a results.json rebuilt from requests.jsonl keeps the accuracy (derived again) and the perplexity
    const loaded = loadRunDir(resultsDir);
    const rebuilt = rebuildResult(loaded.result, loaded.records).scenarios[0]!;
    assert.equal(rebuilt.summary.accuracy, 0.75);
    assert.deepEqual(rebuilt.summary.accuracy_ci95, wilsonInterval(18, 24));
    assert.equal(rebuilt.summary.perplexity, s.summary.perplexity);
    // the summary table shows the quality columns
    assert.match(res.stdout, /accuracy/);
    assert.match(res.stdout, /0\.7500 +0\.5510–0\.8800 +3\.0042\n/);
    // perplexity was measured before the scenario's requests
    assert.ok(srv.paths.indexOf('POST /v1/completions') < srv.paths.indexOf('POST /v1/chat/completions'));
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('llmbench run: quality flag problems are usage errors before anything is sent', async () => {
  const res = await runCli(['run', '--target', 'http://127.0.0.1:9', '--dataset', 'gsm8k', '--input-tokens', '10', '--scoring', 'number']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /--dataset: --dataset gsm8k needs --dataset-path FILE/);
  assert.match(res.stderr, /--input-tokens: cannot be combined with --dataset/);
  assert.match(res.stderr, /--scoring: only applies with --dataset jsonl/);
});

test('llmbench run --perplexity on a server that returns no prompt log-probabilities: setup error, no load sent', async () => {
  const srv = await server({ noLogprobs: true });
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'text.txt'), 'abcdefghijklmnopqrst');
    const res = await runCli(['run', '--target', srv.url, '--input-tokens', '8', '--output-tokens', '4', '--perplexity', join(dir, 'text.txt'), '--perplexity-window', '8', '--out', join(dir, 'out')]);
    assert.equal(res.code, 3, res.stderr);
    assert.match(res.stderr, /LLMBENCH_SCORER_NO_LOGPROBS/);
    assert.match(res.stderr, /answered without choices\[0\]\.logprobs\.token_logprobs for the echoed prompt/);
    assert.equal(srv.paths.filter((p) => p === 'POST /v1/chat/completions').length, 0);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
