// scenarios[].cache_state through the real `llmbench run`: flushed through vLLM's endpoint with the prefix-cache
// counters at the first and last scrape, kept with --no-cache-reset, not flushable where no endpoint is known,
// and "nothing kept" for the in-process engine (unit level: recordCacheState / finishCacheState).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult, type ScenarioResult } from '../../src/core/result.js';
import { startVllm } from '../support/servers/index.js';
import { finishCacheState, recordCacheState } from '../../src/runner/cache-state.js';
import { type OpenedTarget } from '../../src/runner/run.js';

/** `llmbench run --json` through the shared in-process CLI helper, its run folder removed afterwards. */
async function run(args: string[]): Promise<{ code: number; result: RunResult | null; stderr: string }> {
  const out = tempDir('llmbench-cache-');
  try {
    const r = await runCli(['run', ...args, '--out', out, '--json', '--telemetry', 'none', '--sample-interval', '50ms']);
    return { code: r.code, result: r.stdout ? (JSON.parse(r.stdout) as RunResult) : null, stderr: r.stderr };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test('cache_state: vLLM flushed by its endpoint, counters before/after from the first and last scrape; kept with --no-cache-reset', async () => {
  const s = await startVllm();
  try {
    const a = await run(['--target', `${s.url}/v1`, '--input-tokens', '12', '--output-tokens', '7', '-n', '2']);
    assert.equal(a.code, 0, a.stderr);
    const cs = a.result!.scenarios[0]!.cache_state as Record<string, number | string | null>;
    assert.equal(cs.state, 'flushed');
    assert.equal(cs.how, 'endpoint (POST /reset_prefix_cache)');
    assert.equal(cs.why, null);
    assert.equal(s.bodies('/reset_prefix_cache').length, 1);
    // The scripted vLLM counts 100 queries and 10 hits per scrape: raw values, not increases.
    const sm = (a.result!.scenarios[0] as ScenarioResult & { server_metrics: { summary: Record<string, number> } }).server_metrics.summary;
    assert.equal(cs.prefix_cache_hits_before, sm.prefix_cache_hits_start);
    assert.equal(cs.prefix_cache_hits_after, sm.prefix_cache_hits_end);
    assert.equal((cs.prefix_cache_queries_before as number) / 10, cs.prefix_cache_hits_before);
    assert.equal((cs.prefix_cache_queries_after as number) / 10, cs.prefix_cache_hits_after);
    assert.equal((cs.prefix_cache_hits_after as number) - (cs.prefix_cache_hits_before as number), sm.prefix_cache_hits);
    assert.ok((cs.prefix_cache_hits_before as number) > 0);

    const k = await run(['--target', `${s.url}/v1`, '--input-tokens', '12', '--output-tokens', '7', '-n', '2', '--no-cache-reset', '--metrics-url', 'none']);
    assert.equal(k.code, 0, k.stderr);
    assert.deepEqual(k.result!.scenarios[0]!.cache_state, { state: 'kept', how: null, why: null, prefix_cache_hits_before: null, prefix_cache_hits_after: null, prefix_cache_queries_before: null, prefix_cache_queries_after: null });
    assert.equal(s.bodies('/reset_prefix_cache').length, 1, 'not flushed again');
  } finally {
    await s.close();
  }
});

test('recordCacheState: a refused flush is not_flushable with the reason; the embedded engine has nothing to flush', async () => {
  const base = { target: {} as OpenedTarget['target'], tokenizer: null };
  assert.deepEqual(await recordCacheState({ ...base, resetCache: async () => false, cacheFlush: { how: 'endpoint (POST /flush_cache)' } }, true), { state: 'not_flushable', how: null, why: 'endpoint (POST /flush_cache) did not answer with success' });
  assert.deepEqual(await recordCacheState({ ...base, resetCache: async () => true, cacheFlush: { how: 'nothing kept' } }, true), { state: 'flushed', how: 'nothing kept', why: null });
  assert.deepEqual(await recordCacheState({ ...base, cacheFlush: { why: 'no endpoint' } }, true), { state: 'not_flushable', how: null, why: 'no endpoint' });
  const scen = { server_metrics: { summary: { prefix_cache_hits_start: 3, prefix_cache_hits_end: 9, prefix_cache_queries_start: null } } } as unknown as ScenarioResult;
  assert.deepEqual(finishCacheState({ state: 'kept', how: null, why: null }, scen), { state: 'kept', how: null, why: null, prefix_cache_hits_before: 3, prefix_cache_hits_after: 9, prefix_cache_queries_before: null, prefix_cache_queries_after: null });
});
