import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { searchLoad } from '../../src/sweep/search.js';
import { parsePlan } from '../../src/sweep/plan.js';
import { flagsToArgv, RUN_FLAGS } from '../../src/cli/run-config.js';
import { runSweep, sweepExitCode } from '../../src/sweep/run-sweep.js';
import { type Measure, runFlagsOf } from '../../src/sweep/measure.js';
import { type RunResult } from '../../src/core/result.js';
import { paretoFront } from '../../src/sweep/charts.js';
import { tempDir } from '../support/cli.js';
import { validate } from '../support/json-schema.js';

test('search over concurrency: doubling brackets the knee, bisection stops 1 apart, at the knee exactly', async () => {
  for (const knee of [0, 1, 5, 6, 7, 8, 33, 64]) {
    const out = await searchLoad({ over: 'concurrency', min: 1, max: 64 }, async (c) => c <= knee);
    assert.equal(out.feasible_max, knee === 0 ? null : knee, `knee ${knee}`);
    assert.equal(out.infeasible_min, knee === 64 ? null : knee + 1, `knee ${knee}`);
  }
  const o = await searchLoad({ over: 'concurrency', min: 1, max: 64 }, async (c) => c <= 6);
  assert.deepEqual(o.probed, [1, 2, 4, 8, 6, 7]);
});

test('search over rate: geometric bisection until infeasible_min / feasible_max ≤ 1.05, never above the knee', async () => {
  for (const knee of [0.7, 3.3, 9.99, 20]) {
    const out = await searchLoad({ over: 'rate', min: 0.5, max: 20 }, async (r) => r <= knee);
    assert.ok(out.feasible_max! <= knee, `knee ${knee}: ${out.feasible_max}`);
    if (knee < 20) assert.ok(out.infeasible_min! / out.feasible_max! <= 1.05, `knee ${knee}: ${out.feasible_max}..${out.infeasible_min}`);
    else assert.equal(out.infeasible_min, null);
  }
  const o = await searchLoad({ over: 'rate', min: 1, max: 16 }, async (r) => r <= 3);
  assert.deepEqual(o.probed, [1, 2, 4, 2.828, 3.363, 3.084, 2.953]);
  assert.equal(o.feasible_max, 2.953);
  assert.equal(o.infeasible_min, 3.084);
});

/** A fake run: tpot_ms.p90 is whatever `tpot(load, attempt)` says; the rest is the minimum sweep.json reads. */
function fakeMeasure(tpot: (load: number, attempt: number) => number, calls: Array<[number, number]>): Measure {
  return async (req) => {
    const load = req.load!.value;
    const attempt = calls.filter(([l]) => l === load).length + 1;
    calls.push([load, attempt]);
    const v = tpot(load, attempt);
    const result = {
      run_id: `run-${load}-${attempt}`,
      scenarios: [
        {
          id: `c${load}`,
          dims: { concurrency: load },
          status: 'ok',
          summary: { requests_total: req.requests, requests_ok: req.requests, requests_failed: 0, error_rate: 0, output_token_throughput: 100 * Math.min(load, 10), output_tokens_per_client: 100 },
          metrics: { tpot_ms: { mean: v, min: v, max: v, std: 0, p50: v, p75: v, p90: v, p99: v, n: 1 } },
        },
      ],
    } as unknown as RunResult;
    return { exitCode: 0, runDir: null, result, error: null };
  };
}

const NOISE_PLAN = `benchmark:\n  target: http://127.0.0.1:9\n  output-tokens: 4\nsla:\n  tpot_ms.p90: "<= 100"\nsearch: { over: concurrency, min: 1, max: 16 }\n`;

test('noise: a load within 5 % of a limit is measured three times and meets the SLA only if every measurement did', async () => {
  const plan = parsePlan(NOISE_PLAN, 'plan.yaml', RUN_FLAGS);
  // tpot = 10 × load, but load 10 is noisy: 99 (near the limit), then 101 (violates), then never asked again.
  const calls: Array<[number, number]> = [];
  const dir = tempDir();
  const r = await runSweep({ plan, dir, name: 'noise', sweepId: 's1', measure: fakeMeasure((l, a) => (l === 10 ? [99, 101, 99][a - 1]! : 10 * l), calls), env: {}, cwd: dir, signal: new AbortController().signal });
  assert.deepEqual(calls, [[1, 1], [2, 1], [4, 1], [8, 1], [16, 1], [12, 1], [10, 1], [10, 2], [9, 1]]);
  const p = r.points[0]!;
  assert.equal(p.status, 'ok');
  assert.equal(p.feasible_max, 9);
  assert.equal(p.infeasible_min, 10);
  // Every probe is recorded; both measurements of load 10 say the load failed, though the first one met it.
  assert.deepEqual(p.loads!.map((l) => [l.load, l.attempt, l.meets, l.near_limit, l.load_meets]), [
    [1, 1, true, false, true],
    [2, 1, true, false, true],
    [4, 1, true, false, true],
    [8, 1, true, false, true],
    [16, 1, false, false, false],
    [12, 1, false, false, false],
    [10, 1, true, true, false],
    [10, 2, false, true, false],
    [9, 1, true, false, true],
  ]);
  // Without benchmark.requests, each load gets max(20, 4 × the load) requests.
  assert.deepEqual(p.loads!.map((l) => l.summary!.requests_total), [20, 20, 20, 32, 64, 48, 40, 40, 36]);
  assert.deepEqual(p.loads![6]!.sla, [{ path: 'tpot_ms.p90', op: '<=', limit: 100, value: 99, margin: 0.01, ok: true }]);
  assert.deepEqual(r.best, { point: 0, server: null, parameters: {}, load: 9, over: 'concurrency', output_token_throughput: 900, output_tokens_per_client: 100 });
  assert.equal(sweepExitCode(r, true), 0);
  assert.deepEqual(validate(JSON.parse(readFileSync('docs/sweep.schema.json', 'utf8')), JSON.parse(readFileSync(`${dir}/sweep.json`, 'utf8'))), []);

  // Three near-limit measurements that all meet it: the load meets the SLA, with three entries.
  const calls2: Array<[number, number]> = [];
  const r2 = await runSweep({ plan, dir: tempDir(), name: 'noise', sweepId: 's2', measure: fakeMeasure((l) => (l === 10 ? 97 : 10 * l), calls2), env: {}, cwd: dir, signal: new AbortController().signal });
  assert.deepEqual(calls2.filter(([l]) => l === 10), [[10, 1], [10, 2], [10, 3]]);
  assert.equal(r2.points[0]!.feasible_max, 10);
  assert.deepEqual(r2.points[0]!.loads!.filter((l) => l.load === 10).map((l) => l.load_meets), [true, true, true]);

  // Nothing meets it: exit 5.
  const r3 = await runSweep({ plan, dir: tempDir(), name: 'noise', sweepId: 's3', measure: fakeMeasure(() => 500, []), env: {}, cwd: dir, signal: new AbortController().signal });
  assert.equal(r3.points[0]!.feasible_max, null);
  assert.equal(r3.points[0]!.infeasible_min, 1);
  assert.equal(r3.best, null);
  assert.equal(sweepExitCode(r3, true), 5);
});

test('workload cells: each list-valued workload key value is searched separately and ranked on its own', async () => {
  const plan = parsePlan(NOISE_PLAN.replace('output-tokens: 4', 'output-tokens: [4, 8]'), 'plan.yaml', RUN_FLAGS);
  const seen: unknown[] = [];
  const base = fakeMeasure(() => 0, []);
  // Longer outputs halve the knee: tpot = 10 × load × output-tokens / 4.
  const measure: Measure = async (req) => {
    seen.push(req.options['output-tokens']);
    const m = await base(req);
    const v = (10 * req.load!.value * Number(req.options['output-tokens'])) / 4;
    for (const k of ['p50', 'p90', 'mean'] as const) (m.result!.scenarios[0]!.metrics.tpot_ms as unknown as Record<string, number>)[k] = v;
    return m;
  };
  const dir = tempDir();
  const r = await runSweep({ plan, dir, name: 'cells', sweepId: 's4', measure, env: {}, cwd: dir, signal: new AbortController().signal });
  const p = r.points[0]!;
  assert.equal(p.loads, undefined);
  assert.deepEqual(p.cells!.map((c) => [c.workload, c.feasible_max, c.infeasible_min]), [[{ 'output-tokens': 4 }, 10, 11], [{ 'output-tokens': 8 }, 5, 6]]);
  assert.deepEqual([...new Set(seen)], [4, 8]);
  assert.deepEqual(r.ranking.map((x) => [x.workload, x.load, x.output_token_throughput]), [[{ 'output-tokens': 4 }, 10, 1000], [{ 'output-tokens': 8 }, 5, 500]]);
  assert.deepEqual(validate(JSON.parse(readFileSync('docs/sweep.schema.json', 'utf8')), JSON.parse(readFileSync(`${dir}/sweep.json`, 'utf8'))), []);
});

test('measure: run flags from benchmark keys, the searched load and the default request count, and their RunConfig', () => {
  const req = { target: 'http://127.0.0.1:5/v1', options: { 'input-tokens': 128, 'output-tokens': [16, 32], 'cache-reset': false, header: ['A: b', 'C: d'], 'extra-body': { top_k: 1 } }, load: { over: 'concurrency' as const, value: 8 }, requests: 32, outDir: '/o', name: 'n_p0', env: {}, cwd: '/', signal: new AbortController().signal };
  assert.deepEqual(
    ['run', ...flagsToArgv(runFlagsOf(req))],
    ['run', '--input-tokens', '128', '--output-tokens', '16,32', '--no-cache-reset', '--header', 'A: b', '--header', 'C: d', '--extra-body', '{"top_k":1}', '--concurrency', '8', '--requests', '32', '--target', 'http://127.0.0.1:5/v1', '--name', 'n_p0', '--out', '/o'],
  );
  // What runBenchmark is given: the same flags as `llmbench run` maps them (history and charts are the sweep's).
  const { config, problems } = RUN_FLAGS.toRunConfig(runFlagsOf(req), {});
  assert.deepEqual(problems, []);
  assert.deepEqual(config, {
    target: 'http://127.0.0.1:5/v1',
    extraBody: { top_k: 1 },
    headers: { a: 'b', c: 'd' },
    server: { cacheReset: false },
    workload: { inputTokens: [{ min: 128, max: 128 }], outputTokens: [{ min: 16, max: 16 }, { min: 32, max: 32 }] },
    load: { concurrency: [8], requests: 32 },
    output: { out: '/o', name: 'n_p0' },
  });
  // A value run rejects is reported as run reports it, and nothing runs.
  assert.deepEqual(RUN_FLAGS.toRunConfig({ concurrency: 'x' }, {}).problems.map((p) => p.where), ['--concurrency']);
});

test('pareto front: points no other point beats on both axes, along x', () => {
  const pts = [{ x: 1, y: 10 }, { x: 2, y: 8 }, { x: 2, y: 5 }, { x: 3, y: 3 }, { x: 1.5, y: 4 }];
  assert.deepEqual(paretoFront(pts), [{ x: 1, y: 10 }, { x: 2, y: 8 }, { x: 3, y: 3 }]);
});
