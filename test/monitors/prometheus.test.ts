import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { familyOf, histogram, histogramDelta, histogramQuantile, parsePrometheusText, parseSampleLine, sumSamples } from '../../src/monitors/prometheus.js';

test('parses labels with escapes, NaN, ±Inf, timestamps and trailing commas', () => {
  const s = parseSampleLine('m{a="x\\"y",b="back\\\\slash",c="line\\nbreak",} +Inf 1700000000000');
  assert.deepEqual(s, { name: 'm', labels: { a: 'x"y', b: 'back\\slash', c: 'line\nbreak' }, value: Infinity, timestamp_ms: 1700000000000 });
  assert.equal(parseSampleLine('x NaN')!.value.toString(), 'NaN');
  assert.equal(parseSampleLine('x -Inf')!.value, -Infinity);
  assert.equal(parseSampleLine('vllm:num_requests_running{model_name="m",engine="0"} 3')!.value, 3);
  assert.equal(parseSampleLine('x{a="unterminated} 1'), null);
  assert.equal(parseSampleLine('x 1 2 3'), null);
  assert.equal(parseSampleLine('x abc'), null);
});

test('parses HELP/TYPE and counts bad lines without losing the rest', () => {
  const text = '# HELP a_total Help with \\\\ and \\n.\n# TYPE a_total counter\na_total{k="1"} 2\na_total{k="2"} 3.5\nbroken{ 1\n# EOF\n';
  const s = parsePrometheusText(text);
  assert.equal(s.help.get('a_total'), 'Help with \\ and \n.');
  assert.equal(s.types.get('a_total'), 'counter');
  assert.equal(s.bad_lines, 1);
  assert.equal(sumSamples(s, 'a_total'), 5.5);
  assert.equal(sumSamples(s, 'a_total', { k: '2' }), 3.5);
  assert.equal(sumSamples(s, 'missing'), null);
  // prometheus_client declares counters without the suffix it writes on samples (vLLM: `# TYPE vllm:x counter`, `vllm:x_total`)
  const v = parsePrometheusText('# TYPE vllm:prefix_cache_hits counter\nvllm:prefix_cache_hits_total 3\nvllm:prefix_cache_hits_created 1.7e9\n# TYPE h histogram\nh_bucket{le="1"} 1\n');
  assert.equal(familyOf(v, 'vllm:prefix_cache_hits_total'), 'vllm:prefix_cache_hits');
  assert.equal(familyOf(v, 'vllm:prefix_cache_hits_created'), 'vllm:prefix_cache_hits');
  assert.equal(familyOf(v, 'h_bucket'), 'h');
  assert.equal(familyOf(v, 'other_total'), 'other_total');
});

test('reads the real llama.cpp b4748 /metrics transcript', () => {
  const raw = readFileSync('../shared/fixtures/transcripts/llama.cpp-b4748/metrics.txt', 'utf8');
  const body = raw.slice(raw.indexOf('# HELP'));
  const s = parsePrometheusText(body);
  assert.equal(s.bad_lines, 0);
  assert.equal(sumSamples(s, 'llamacpp:prompt_tokens_total'), 139);
  assert.equal(sumSamples(s, 'llamacpp:tokens_predicted_total'), 200);
  assert.equal(sumSamples(s, 'llamacpp:kv_cache_usage_ratio'), 0.0235596);
  assert.equal(s.types.get('llamacpp:n_busy_slots_per_decode'), 'counter');
});

test('histograms: sum over label sets, delta, and PromQL-style quantiles', () => {
  const mk = (b: number[], sum: number) =>
    parsePrometheusText(
      [
        '# TYPE h histogram',
        `h_bucket{le="0.1",m="a"} ${b[0]}`,
        `h_bucket{le="0.5",m="a"} ${b[1]}`,
        `h_bucket{le="+Inf",m="a"} ${b[2]}`,
        `h_sum{m="a"} ${sum}`,
        `h_count{m="a"} ${b[2]}`,
      ].join('\n'),
    );
  const h0 = histogram(mk([1, 2, 2], 0.3), 'h')!;
  const h1 = histogram(mk([3, 8, 10], 3.3), 'h')!;
  assert.deepEqual(h1.buckets, [[0.1, 3], [0.5, 8], [Infinity, 10]]);
  const d = histogramDelta(h0, h1)!;
  assert.deepEqual(d, { sum: 3, count: 8, buckets: [[0.1, 2], [0.5, 6], [Infinity, 8]] });
  // rank 4 of 8 lies in (0.1, 0.5]: 0.1 + 0.4 * (4 - 2) / (6 - 2) = 0.3
  assert.equal(histogramQuantile(0.5, d.buckets), 0.30000000000000004);
  // rank in the +Inf bucket → highest finite bound
  assert.equal(histogramQuantile(0.99, d.buckets), 0.5);
  assert.equal(histogramQuantile(0.5, [[1, 0], [Infinity, 0]]), null);
});
