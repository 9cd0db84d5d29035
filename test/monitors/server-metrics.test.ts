import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText } from '../../src/monitors/prometheus.js';
import { counterIncrease, metricTableFor, prefixCacheWarnings, summarizeServerMetrics } from '../../src/monitors/server-metrics/index.js';

function vllm(p: { running: number; hits: number; queries: number; ttftSum: number; ttftCount: number; b: [number, number]; old?: boolean }) {
  const pre = p.old ? 'vllm:gpu_' : 'vllm:';
  return parsePrometheusText(
    [
      `vllm:num_requests_running{model_name="m",engine="0"} ${p.running}`,
      `vllm:num_requests_waiting{model_name="m",engine="0"} 0`,
      `${p.old ? 'vllm:gpu_cache_usage_perc' : 'vllm:kv_cache_usage_perc'}{model_name="m"} ${p.running / 10}`,
      `${pre}prefix_cache_hits_total{model_name="m"} ${p.hits}`,
      `${pre}prefix_cache_queries_total{model_name="m"} ${p.queries}`,
      `vllm:generation_tokens_total{model_name="m"} ${p.ttftCount * 100}`,
      '# TYPE vllm:time_to_first_token_seconds histogram',
      `vllm:time_to_first_token_seconds_bucket{le="0.05",model_name="m"} ${p.b[0]}`,
      `vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="m"} ${p.b[1]}`,
      `vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} ${p.ttftCount}`,
      `vllm:time_to_first_token_seconds_sum{model_name="m"} ${p.ttftSum}`,
      `vllm:time_to_first_token_seconds_count{model_name="m"} ${p.ttftCount}`,
    ].join('\n'),
  );
}

for (const old of [false, true]) {
  test(`vLLM ${old ? 'before' : 'after'} the 0.9 renames: deltas over the window`, () => {
    const scrapes = [
      { t_ms: 0, scrape: vllm({ running: 0, hits: 100, queries: 1000, ttftSum: 1, ttftCount: 10, b: [5, 10], old }) },
      { t_ms: 500, scrape: vllm({ running: 4, hits: 100, queries: 1500, ttftSum: 1.2, ttftCount: 12, b: [6, 12], old }) },
      { t_ms: 1000, scrape: vllm({ running: 2, hits: 150, queries: 2000, ttftSum: 1.3, ttftCount: 14, b: [7, 14], old }) },
    ];
    const r = summarizeServerMetrics(metricTableFor('vllm'), scrapes);
    assert.equal(r.summary.requests_running_mean, 2);
    assert.equal(r.summary.requests_running_max, 4);
    assert.equal(r.summary.kv_cache_usage_max, 0.4);
    assert.equal(r.summary.prefix_cache_hits, 50);
    assert.equal(r.summary.prefix_cache_queries, 1000);
    assert.equal(r.summary.prefix_cache_hit_rate, 0.05);
    assert.equal(r.summary.generation_tokens, 400);
    // Δsum/Δcount = 0.3 s / 4 = 75 ms
    assert.equal(Math.round(r.summary.server_ttft_mean_ms! * 1e6) / 1e6, 75);
    assert.equal(r.summary.server_ttft_count, 4);
    // Δbuckets: le=0.05 → 2, le=0.1 → 4: median rank 2 → 0.05 s
    assert.equal(r.summary.server_ttft_p50_ms, 50);
    assert.equal(r.summary.server_queue_mean_ms, null);
    assert.equal(r.summary.spec_decode_acceptance_rate, null);
    assert.equal(r.series.length, 3);
    assert.equal(r.series[1]!.requests_running, 4);
    assert.equal(r.series[2]!.prefix_cache_hits, 50);
    assert.equal(Math.round(r.series[1]!.server_ttft_ms! * 1e6) / 1e6, 100);
    assert.equal(r.sources.kv_cache_usage, old ? 'vllm:gpu_cache_usage_perc' : 'vllm:kv_cache_usage_perc');
  });
}

test('Triton: µs counters per model, restricted to the target model', () => {
  const mk = (succ: number, queueUs: number) =>
    parsePrometheusText(
      [
        `nv_inference_request_success{model="ensemble",version="1"} ${succ}`,
        `nv_inference_request_success{model="preprocessing",version="1"} ${succ}`,
        `nv_inference_queue_duration_us{model="ensemble",version="1"} ${queueUs}`,
        `nv_inference_queue_duration_us{model="preprocessing",version="1"} 99999999`,
        `nv_inference_pending_request_count{model="ensemble",version="1"} 3`,
      ].join('\n'),
    );
  const r = summarizeServerMetrics(metricTableFor('triton'), [{ t_ms: 0, scrape: mk(10, 5000) }, { t_ms: 1, scrape: mk(14, 13000) }], 'ensemble');
  assert.equal(r.summary.requests_finished, 4);
  assert.equal(r.summary.server_queue_mean_ms, 2); // 8000 µs / 4 requests
  assert.equal(r.summary.requests_waiting_mean, 3);
});

test('MindIE without prefix, gauge hit rate, and counter resets', () => {
  const mk = (gen: number, rate: number) => parsePrometheusText(`generation_tokens_total{model_name="q"} ${gen}\nnpu_prefix_cache_hit_rate{model_name="q"} ${rate}\nnum_requests_running{model_name="q"} 8`);
  const r = summarizeServerMetrics(metricTableFor('mindie'), [{ t_ms: 0, scrape: mk(1000, 0.5) }, { t_ms: 1, scrape: mk(1200, 0.7) }, { t_ms: 2, scrape: mk(50, 0.6) }]);
  assert.equal(r.summary.generation_tokens, 250); // +200, then restart from 0 → +50
  assert.equal(Math.round(r.summary.prefix_cache_hit_rate! * 1e9) / 1e9, 0.6);
  assert.equal(r.summary.decode_batch_size_mean, null);
  assert.equal(counterIncrease([null, 5, null, 7]), 2);
  assert.equal(counterIncrease([null, null]), null);
});

test('warns when a salted workload hits the prefix cache', () => {
  assert.deepEqual(prefixCacheWarnings({ prefix_cache_hit_rate: 0.05 }, { salted: true }), []);
  assert.deepEqual(prefixCacheWarnings({ prefix_cache_hit_rate: 0.5 }, { salted: false }), []);
  const w = prefixCacheWarnings({ prefix_cache_hit_rate: 0.5 }, { salted: true });
  assert.equal(w.length, 1);
  assert.equal(w[0]!.code, 'prefix_cache_hit_random');
  assert.match(w[0]!.message, /50\.0%/);
});
