import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCharts, type ChartDef } from '../../src/reports/charts/index.js';
import { cdfPoints, latencyCdfChart } from '../../src/reports/charts/latency.js';
import { loadDimension } from '../../src/reports/charts/load.js';
import { tokenRateSeries } from '../../src/reports/charts/timeline.js';
import { loadFixture, FIXTURE_RUNS } from './load.js';

const GOLDEN = join(FIXTURE_RUNS, '..', 'golden');

/** Compares a spec with its golden file; UPDATE_GOLDEN=1 rewrites the file (review the diff before committing). */
function golden(name: string, c: ChartDef): void {
  const file = join(GOLDEN, `${name}.json`);
  const actual = JSON.parse(JSON.stringify(c.spec));
  assert.ok(existsSync(file) || process.env.UPDATE_GOLDEN === '1', `no golden file ${file}; run with UPDATE_GOLDEN=1 and review it`);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, JSON.stringify(actual, null, 1) + '\n');
  assert.deepEqual(actual, JSON.parse(readFileSync(file, 'utf8')), `${name} differs from ${file}`);
}

function byName(charts: ChartDef[]): Record<string, ChartDef> {
  return Object.fromEntries(charts.map((c) => [c.name, c]));
}

test('chart specs for one run match their golden files', () => {
  const a = loadFixture('a');
  const charts = byName(buildCharts([a]));
  assert.deepEqual(Object.keys(charts), ['overview', 'latency-cdf', 'load-curves', 'timeline', 'tokens-over-time', 'memory']);
  for (const n of ['overview', 'latency-cdf', 'load-curves', 'timeline', 'tokens-over-time']) golden(`a-${n}`, charts[n]!);
  assert.deepEqual(charts.memory, { name: 'memory', title: 'Memory over time', spec: null, absent: 'no memory telemetry in this run' });
});

test('overview: panels without data say so instead of drawing zero bars', () => {
  const spec = buildCharts([loadFixture('a')])[0]!.spec as unknown as { vconcat: Array<{ hconcat: Array<Record<string, unknown>> }> };
  const bottom = spec.vconcat[1]!.hconcat;
  assert.deepEqual(bottom.map((p) => [p.title, (p.data as { values: unknown[] }).values]), [
    ['Perplexity', [{ message: 'quality not measured (no accuracy or perplexity)' }]],
    ['Peak memory (RSS)', [{ message: 'memory not measured' }]],
    ['KV cache size', [{ message: 'KV-cache size not measured' }]],
  ]);
  const top = spec.vconcat[0]!.hconcat[0]!;
  assert.deepEqual((top.data as { values: unknown[] }).values, [
    { label: 'in8_out4_c1', variant: 'a', value: 46.153846 },
    { label: 'in8_out4_c4', variant: 'a', value: 116.788321 },
  ]);
});

test('overview of two runs: one bar per run and scenario, coloured by variant, partial panels say how many are missing', () => {
  const charts = byName(buildCharts([loadFixture('a'), loadFixture('b')]));
  assert.deepEqual(Object.keys(charts), ['overview', 'latency-cdf', 'load-curves', 'timeline-1', 'tokens-over-time-1', 'timeline-2', 'tokens-over-time-2', 'memory']);
  golden('ab-overview', charts.overview!);
  golden('ab-memory', charts.memory!);
  const spec = charts.overview!.spec as unknown as { vconcat: Array<{ hconcat: Array<Record<string, unknown>> }> };
  const acc = spec.vconcat[1]!.hconcat[0]!;
  assert.deepEqual(acc.title, { text: 'Accuracy', subtitle: '2 of 4 not measured' });
  assert.deepEqual((acc.data as { values: unknown[] }).values, [
    { label: 'faster · in8_out4_c1', variant: 'b', value: 0.5 },
    { label: 'faster · in8_out4_c4', variant: 'b', value: 0.5 },
  ]);
});

test('CDF points start at 0 on the smallest value and step up by 1/n', () => {
  assert.deepEqual(cdfPoints([30, 10, 20, 10]), [
    { value: 10, p: 0 },
    { value: 10, p: 0.25 },
    { value: 10, p: 0.5 },
    { value: 20, p: 0.75 },
    { value: 30, p: 1 },
  ]);
  assert.deepEqual(cdfPoints([]), []);
});

test('ITL CDF uses the token-weighted gaps of the itl_ms table column', () => {
  const a = loadFixture('a');
  const rec = { ...a.records.find((r) => !r.warmup && r.status === 'ok')!, chunk_times: [10, 30], chunk_tokens: [1, 2] };
  const spec = latencyCdfChart([{ result: a.result, records: [rec] }]).spec as unknown as { hconcat: Array<{ title: string; data: { values: Array<{ series: string }> } }> };
  const itl = spec.hconcat.find((p) => p.title === 'ITL')!;
  assert.deepEqual(itl.data.values, [
    { series: rec.scenario_id, value: 10, p: 0 },
    { series: rec.scenario_id, value: 10, p: 0.5 },
    { series: rec.scenario_id, value: 10, p: 1 },
  ]);
});

test('load curves need two load points; tokens/s buckets count chunk tokens', () => {
  const a = loadFixture('a');
  assert.equal(loadDimension(a.result.scenarios), 'concurrency');
  assert.equal(loadDimension([a.result.scenarios[0]!]), null);
  const one = { ...a, result: { ...a.result, scenarios: [a.result.scenarios[0]!] } };
  assert.equal(byName(buildCharts([one]))['load-curves']!.absent, 'only one load point (concurrency or rate) in this run');
  const series = tokenRateSeries(a, 4);
  // each scenario's buckets span its own first send to last token; rate × width over the buckets gives back
  // its streamed tokens: c1 3 × 4, c4 2 × 4 (the failed request streamed nothing)
  for (const [id, tokens] of [['in8_out4_c1', 12], ['in8_out4_c4', 8]] as const) {
    const recs = a.records.filter((r) => r.scenario_id === id);
    const t0 = Math.min(...recs.map((r) => r.sent_at!));
    const t1 = Math.max(...recs.flatMap((r) => r.chunk_times));
    const width = (t1 - t0) / 4 / 1000;
    const pts = series.filter((p) => p.series === id);
    assert.equal(pts.length, 4);
    const total = pts.reduce((s, p) => s + p.tokens_per_s * width, 0);
    assert.ok(Math.abs(total - tokens) < 1e-3, `${id} total ${total}`);
  }
  assert.deepEqual([...new Set(series.map((p) => p.series))], ['in8_out4_c1', 'in8_out4_c4']);
});

test('a run with no scenarios and no records gives absent charts with reasons, not empty plots', () => {
  const a = loadFixture('a');
  const empty = { result: { ...a.result, scenarios: [] }, records: [] };
  assert.deepEqual(buildCharts([empty]).map((c) => [c.name, c.spec, c.absent]), [
    ['overview', null, 'no scenarios in this run'],
    ['latency-cdf', null, 'no request records (requests.jsonl) to draw distributions from'],
    ['load-curves', null, 'only one load point (concurrency or rate) in this run'],
    ['timeline', null, 'no request records (requests.jsonl)'],
    ['tokens-over-time', null, 'no streamed tokens in the request records'],
    ['memory', null, 'no memory telemetry in this run'],
  ]);
});
