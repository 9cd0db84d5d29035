// The llama.cpp adapter against the real b4748 server's bytes: a replay server answers each path with the captured
// status, content type and body (../shared/fixtures/transcripts/llama.cpp-b4748).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTranscript, TRANSCRIPTS } from '../support/transcripts.js';
import { startScripted } from '../support/servers/base.js';
import { chat, request, send, target } from '../support/adapters.js';
import { parsePrometheusText } from '../../src/monitors/prometheus.js';
import { metricTableFor, summarizeServerMetrics } from '../../src/monitors/server-metrics/index.js';

const ROUTES: Record<string, string> = {
  'GET /v1/models': 'v1_models.txt',
  'GET /props': 'props.txt',
  'POST /tokenize': 'tokenize.txt',
  'POST /completion': 'completion_stream.txt',
  'POST /v1/chat/completions': 'v1_chat_stream_usage.txt',
  'GET /slots': 'slots.txt',
};

function replay() {
  return startScripted([
    (req, res, _body, path) => {
      const file = ROUTES[`${req.method} ${path}`];
      if (!file) return false;
      const t = readTranscript(file);
      res.writeHead(t.status, { 'content-type': t.headers['content-type'] ?? 'application/json', server: 'llama.cpp' });
      res.end(t.body);
      return true;
    },
  ]);
}

test('real /completion stream: text, per-event token ids, final timings and stop_type limit', async () => {
  const s = await replay();
  const t = await target(s.url, 'auto', 'native');
  try {
    assert.equal(t.info.kind, 'llamacpp');
    assert.equal(t.info.model, 'tiny-llama-4L256');
    assert.equal(t.info.n_ctx, 2048);
    assert.equal(t.info.server!.how, 'GET /v1/models owned_by="llamacpp"');
    const body = readTranscript('completion_stream.txt').body;
    const contents = [...body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!).content as string).join('');
    const r = await send(t, request({ prompt: 'Once upon a time', max_tokens: 32 }));
    assert.equal(r.text, contents);
    assert.equal(r.deltas.length, 32);
    assert.equal(r.chunkTokens, 32);
    assert.deepEqual(r.lastUsage, { prompt_tokens: 5, completion_tokens: 32 });
    assert.deepEqual(r.lastTimings, { source: 'llamacpp.timings', ttft_ms: 1.573, e2e_ms: 1.573 + 19.7, prefill_ms: 1.573, decode_ms: 19.7, prompt_tokens: 5, cached_tokens: null, output_tokens: 32, draft_tokens: null, draft_accepted_tokens: null });
    assert.deepEqual(r.finishes, ['length']);
    // /slots is disabled on that server (501): no cache reset possible
    assert.equal(await t.resetCache!(), false);
  } finally {
    await t.close();
    await s.close();
  }
});

test('real /v1/chat/completions stream: usage and timings on the finish chunk', async () => {
  const s = await replay();
  const t = await target(s.url, 'llamacpp');
  try {
    const r = await send(t, chat({ max_tokens: 24 }));
    assert.deepEqual(r.lastUsage, { prompt_tokens: 35, completion_tokens: 24, cached_tokens: null, reasoning_tokens: null });
    assert.equal(r.lastTimings!.prefill_ms, 2.43);
    assert.equal(r.lastTimings!.decode_ms, 16.278);
    assert.equal(r.lastTimings!.output_tokens, 24);
    assert.deepEqual(r.finishes, ['length']);
  } finally {
    await t.close();
    await s.close();
  }
});

test('real /metrics before and after 4 concurrent requests (n_predict 256): deltas, per-token times, batch size', () => {
  const scrape = (f: string) => {
    const raw = readFileSync(join(TRANSCRIPTS, f), 'utf8');
    return parsePrometheusText(raw.slice(raw.indexOf('# HELP')));
  };
  const r = summarizeServerMetrics(metricTableFor('llamacpp'), [
    { t_ms: 0, scrape: scrape('metrics.txt') },
    { t_ms: 1000, scrape: scrape('metrics_after_concurrency.txt') },
  ]);
  assert.equal(r.summary.generation_tokens, 1024); // 1224 − 200 = 4 × 256
  assert.equal(r.summary.prompt_tokens, 36); // 175 − 139
  assert.equal(Math.round(r.summary.server_decode_per_token_mean_ms! * 1e6) / 1e6, 1.580078); // (1.747 − 0.129) s / 1024
  assert.equal(Math.round(r.summary.server_prefill_per_token_mean_ms! * 1e6) / 1e6, 0.305556); // (0.032 − 0.021) s / 36
  assert.equal(r.summary.decode_batch_size_max, 2.66667);
  assert.equal(r.summary.kv_cache_usage_max, 0.128906);
  assert.equal(r.sources.kv_cache_usage, 'llamacpp:kv_cache_usage_ratio');
});
