// `llmbench serve`'s POST /reset_prefix_cache and the run that uses it: two scenarios (--concurrency 1,2) send one
// prompt-file prompt 2 times each to a one-sequence server. Within a scenario the second request reuses the
// first's prompt (cached = prompt − 1, the last token is decoded again); the flush before scenario 2 makes its
// first request cold again (cached 0), where --no-cache-reset lets it reuse. Asserted on the token counts the
// server reports, never on wall time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServe } from '../../src/engine/serve/server.js';
import { runCli, tempDir } from '../support/cli.js';
import { type RequestRecord } from '../../src/core/record.js';
import { type RunResult } from '../../src/core/result.js';
import { STORIES } from './helpers.js';

async function twoScenarios(extra: string[]): Promise<{ records: RequestRecord[]; result: RunResult }> {
  const srv = await startServe({ modelPath: STORIES, port: 0, parallel: 1, threads: 1, contextSize: 256 });
  try {
    const out = tempDir();
    const prompts = join(out, 'prompts.txt');
    writeFileSync(prompts, 'Once upon a time there was a little dog\n');
    const r = await runCli(['run', '--target', srv.url, '--api', 'completions', '--prompts', prompts, '--max-tokens', '4', '-n', '2', '--concurrency', '1,2', '--temperature', '0', '--metrics-url', 'none', '--telemetry', 'none', '--out', join(out, 'runs'), ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(out, 'runs', readdirSync(join(out, 'runs'))[0]!);
    return {
      records: readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord),
      result: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult,
    };
  } finally {
    await srv.close();
  }
}

/** cached_tokens of each scenario's requests, in send order. */
function cachedByScenario(records: RequestRecord[]): number[][] {
  const ids = [...new Set(records.map((r) => r.scenario_id))];
  return ids.map((id) => records.filter((r) => r.scenario_id === id).sort((a, b) => a.sent_at! - b.sent_at!).map((r) => r.cached_tokens!));
}

test('serve: POST /reset_prefix_cache answers how many sequences held cached tokens and drops them', async () => {
  const srv = await startServe({ modelPath: STORIES, port: 0, parallel: 2, threads: 1, contextSize: 256 });
  try {
    const gen = async () => (await (await fetch(`${srv.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 3, temperature: 0 }) })).json()) as { usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
    const flush = async () => {
      const r = await fetch(`${srv.url}/reset_prefix_cache`, { method: 'POST' });
      return { status: r.status, body: (await r.json()) as unknown };
    };
    assert.deepEqual(await flush(), { status: 200, body: { status: 'ok', sequences_flushed: 0 } });
    const a = await gen();
    assert.equal(a.usage.prompt_tokens_details.cached_tokens, 0);
    const b = await gen();
    assert.equal(b.usage.prompt_tokens_details.cached_tokens, a.usage.prompt_tokens - 1);
    assert.deepEqual(await flush(), { status: 200, body: { status: 'ok', sequences_flushed: 1 } });
    const c = await gen();
    assert.equal(c.usage.prompt_tokens_details.cached_tokens, 0);
    assert.equal((await fetch(`${srv.url}/reset_prefix_cache`)).status, 405);
  } finally {
    await srv.close();
  }
});

test('llmbench run against serve: cache_state flushed through POST /reset_prefix_cache, and the next scenario starts cold', async () => {
  const flushed = await twoScenarios([]);
  assert.equal(flushed.records.length, 4);
  const n = flushed.records[0]!.input_tokens!;
  assert.ok(n > 2, String(n));
  assert.deepEqual(cachedByScenario(flushed.records), [[0, n - 1], [0, n - 1]]);
  for (const s of flushed.result.scenarios) {
    assert.deepEqual(s.cache_state, { state: 'flushed', how: 'endpoint (POST /reset_prefix_cache)', why: null, prefix_cache_hits_before: null, prefix_cache_hits_after: null, prefix_cache_queries_before: null, prefix_cache_queries_after: null });
  }

  // The control: kept, scenario 2's first request reuses what scenario 1 left.
  const kept = await twoScenarios(['--no-cache-reset']);
  assert.deepEqual(cachedByScenario(kept.records), [[0, n - 1], [n - 1, n - 1]]);
  assert.equal((kept.result.scenarios[1]!.cache_state as { state: string }).state, 'kept');
});
