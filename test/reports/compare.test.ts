import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compareRuns, compareTable, parseFailIf, checkThresholds, flattenScenario, type CompareSide } from '../../src/reports/compare.js';
import { loadCompareInput } from '../../src/reports/import/index.js';
import { renderCsv } from '../../src/reports/table.js';
import { UsageError } from '../../src/core/errors.js';
import { loadFixture, FIXTURE_RUNS } from './load.js';

const IMPORTS = join(FIXTURE_RUNS, '..', 'imports');

function side(name: string): CompareSide {
  const { result } = loadFixture(name);
  return { info: { label: result.name, run_id: result.run_id, source: 'llmbench' }, result };
}

test('compare: absolute and relative deltas per matched scenario and metric', () => {
  const c = compareRuns(side('a'), [side('b')]);
  const row = (s: string, m: string) => c.rows.find((r) => r.scenario === s && r.metric === m)!;
  assert.deepEqual(row('in8_out4_c1', 'tpot_ms.p90'), { scenario: 'in8_out4_c1', metric: 'tpot_ms.p90', baseline: 11.8, runs: [{ value: 9.8, delta: 9.8 - 11.8, delta_pct: ((9.8 - 11.8) / 11.8) * 100, beyond_spread: null }] });
  // b has repeat_spread for output_token_throughput (std 1): |Δ| = 1.465 is under 2·1, so within noise
  const otp = row('in8_out4_c1', 'output_token_throughput').runs[0]!;
  assert.equal(otp.beyond_spread, false);
  assert.equal(row('in8_out4_c4', 'output_token_throughput').runs[0]!.beyond_spread, true);
  // measured only in b: baseline n/a, no delta
  assert.deepEqual(row('in8_out4_c1', 'accuracy').runs[0], { value: 0.5, delta: null, delta_pct: null, beyond_spread: null });
  // table shows mean/p50/p90/p99 of distributions and every numeric summary field
  assert.deepEqual(c.rows.filter((r) => r.scenario === 'in8_out4_c1').map((r) => r.metric).slice(0, 4), ['requests_total', 'requests_ok', 'requests_failed', 'duration_s']);
  assert.ok(!c.rows.some((r) => r.metric.endsWith('.min') || r.metric.endsWith('.n')));
  const csv = renderCsv(compareTable(c)).split('\n');
  assert.equal(csv[0], 'scenario,metric,baseline,run1,run1_delta,run1_delta_pct,run1_beyond_spread');
  assert.equal(csv.find((l) => l.startsWith('in8_out4_c4,request_throughput,')), `in8_out4_c4,request_throughput,29.19708,42.857143,${42.857143 - 29.19708},${((42.857143 - 29.19708) / 29.19708) * 100},yes`);
});

test('--fail-if parses relative and absolute limits; bad syntax is a usage error', () => {
  assert.deepEqual(parseFailIf(['tpot_ms.p90>+5%,output_token_throughput<-3%', 'metrics.ttft_ms.p50>=20']), [
    { text: 'tpot_ms.p90>+5%', path: 'tpot_ms.p90', op: '>', limit: 5, relative: true },
    { text: 'output_token_throughput<-3%', path: 'output_token_throughput', op: '<', limit: -3, relative: true },
    { text: 'metrics.ttft_ms.p50>=20', path: 'ttft_ms.p50', op: '>=', limit: 20, relative: false },
  ]);
  assert.throws(() => parseFailIf(['tpot_ms.p90 bigger 5']), (e: unknown) => e instanceof UsageError && /is not PATH>VALUE/.test(e.message));
});

test('--fail-if checks every matched scenario; an unknown path is a usage error', () => {
  const t = parseFailIf(['tpot_ms.p90>+5%,output_token_throughput<-3%']);
  assert.deepEqual(checkThresholds(side('a'), [side('b')], t), []);
  assert.deepEqual(checkThresholds(side('b'), [side('a')], t), [
    'baseline / in8_out4_c1: tpot_ms.p90 9.8 → 11.8 (+20.4082%) violates tpot_ms.p90>+5% (baseline faster)',
    'baseline / in8_out4_c1: output_token_throughput 47.619 → 46.1538 (-3.0769%) violates output_token_throughput<-3% (baseline faster)',
    'baseline / in8_out4_c4: tpot_ms.p90 11.8 → 13.4 (+13.5593%) violates tpot_ms.p90>+5% (baseline faster)',
    'baseline / in8_out4_c4: output_token_throughput 171.4286 → 116.7883 (-31.8735%) violates output_token_throughput<-3% (baseline faster)',
  ]);
  // absolute: TTFT p50 in c4 went 26 → 24 ms (Δ −2), so ">+1" passes and "<-1" fires only there and in c1 (20 → 22 is +2)
  assert.deepEqual(checkThresholds(side('b'), [side('a')], parseFailIf(['ttft_ms.p50<-1'])), ['baseline / in8_out4_c4: ttft_ms.p50 26 → 24 (-2) violates ttft_ms.p50<-1 (baseline faster)']);
  assert.throws(() => checkThresholds(side('a'), [side('b')], parseFailIf(['tpot_ms.p91>1'])), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && /'tpot_ms.p91' matches no metric/.test(e.message));
});

test('vLLM bench serve JSON maps onto llmbench metric names', () => {
  const { source, result } = loadCompareInput('v', join(IMPORTS, 'vllm-serve.json'));
  assert.equal(source, 'vllm');
  assert.equal(result.target?.model, 'Qwen/Qwen3-0.6B');
  const s = result.scenarios[0]!;
  assert.equal(s.id, 'c8');
  const f = Object.fromEntries(flattenScenario(s));
  assert.deepEqual(f, {
    requests_total: 100,
    requests_ok: 98,
    requests_failed: 2,
    error_rate: 0.02,
    duration_s: 20,
    request_throughput: 4.9,
    output_token_throughput: 627.2,
    total_token_throughput: 3187.2,
    input_token_throughput: 2560,
    max_concurrency: 8,
    peak_output_token_throughput: 700,
    'ttft_ms.mean': 120.5,
    'ttft_ms.p50': 110,
    'ttft_ms.std': 30.25,
    'ttft_ms.p99': 250,
    'tpot_ms.mean': 11.5,
    'tpot_ms.p50': 11,
    'tpot_ms.std': 1.5,
    'tpot_ms.p99': 16,
    'itl_ms.mean': 11.25,
    'itl_ms.p50': 10.5,
    'itl_ms.std': 3,
    'itl_ms.p99': 30,
    'itl_ms.p99.9': 45,
    'e2e_ms.mean': 1580,
    'e2e_ms.p50': 1550,
    'e2e_ms.std': 200,
    'e2e_ms.p99': 2100,
  });
  // single-scenario runs are matched whatever their ids: vLLM c8 vs llmbench's only scenario
  const a = loadFixture('a').result;
  const one = { ...a, scenarios: [a.scenarios[0]!] };
  const c = compareRuns({ info: { label: 'vllm', run_id: 'v', source: 'vllm' }, result }, [{ info: { label: 'a', run_id: 'a', source: 'llmbench' }, result: one }]);
  assert.equal(c.rows.find((r) => r.metric === 'tpot_ms.p99')!.runs[0]!.value, 11.98);
});

test('llama-bench JSON: pp tests are prefill tokens/s, tg tests decode tokens/s, stddev is the spread', () => {
  const base = loadCompareInput('x', join(IMPORTS, 'llama-bench.json'));
  const cand = loadCompareInput('y', join(IMPORTS, 'llama-bench-b.json'));
  assert.equal(base.source, 'llama-bench');
  assert.deepEqual(base.result.scenarios.map((s) => [s.id, Object.fromEntries(flattenScenario(s))]), [
    ['pp512', { prefill_tokens_per_s: 10240 }],
    ['tg128', { output_token_throughput: 2000, decode_tokens_per_s: 2000 }],
  ]);
  const c = compareRuns({ info: { label: 'x', run_id: 'x', source: 'llama-bench' }, result: base.result }, [{ info: { label: 'y', run_id: 'y', source: 'llama-bench' }, result: cand.result }]);
  // pp: +10 t/s against σ 100+100 → within spread; tg: −100 t/s against 2·√(20²+20²) ≈ 56.6 → beyond
  assert.deepEqual(c.rows.map((r) => [r.scenario, r.metric, r.runs[0]!.delta, r.runs[0]!.beyond_spread]), [
    ['pp512', 'prefill_tokens_per_s', 10, false],
    ['tg128', 'output_token_throughput', -100, true],
    ['tg128', 'decode_tokens_per_s', -100, true],
  ]);
});
