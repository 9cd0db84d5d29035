/**
 * Sweeps of llmbench's own engine: `llmbench serve` started as a real server process per --parallel value, and the
 * embedded engine with an engine setting as the parameter (no server). Small: 2 points, a few requests each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, tempDir } from '../support/cli.js';
import { type RunResult } from '../../src/core/result.js';
import { groupGone, readSweep } from './helpers.js';

const STORIES = resolve('../shared/fixtures/models/stories260K.gguf');
const BIN = resolve('bin/llmbench.js');

test('llmbench serve swept over --parallel: each point starts the server, benchmarks it and stops it', async () => {
  const pdir = tempDir('llmbench-sweep-serve-');
  const file = join(pdir, 'serve.yaml');
  writeFileSync(file, `server:
  command: "node ${BIN} serve --model ${STORIES} --port {port} --parallel {parallel} --threads 1 --context-size 256"
  ready: { path: /health, timeout: 120s }
  stop: { grace: 10s }
parameters:
  parallel: [1, 2]
benchmark:
  server: llamacpp
  api: completions
  input-tokens: 4
  output-tokens: 4
  concurrency: 2
  requests: 4
  metrics-url: none
  telemetry: none
sla:
  error_rate: "<= 0"
`);
  const out = tempDir();
  const r = await runCli(['sweep', file, '--out', out, '--no-history', '--no-report']);
  assert.equal(r.code, 0, r.stderr);
  const { dir, sweep } = readSweep(out);
  assert.deepEqual(sweep.points.map((p) => [p.parameters.parallel, p.status, p.feasible_max]), [[1, 'ok', 2], [2, 'ok', 2]]);
  for (const p of sweep.points) {
    assert.ok(p.startup_s! > 0);
    const l = p.loads![0]!;
    assert.equal(l.summary!.requests_ok, 4);
    assert.equal(l.summary!.error_rate, 0);
    const result = JSON.parse(readFileSync(join(dir, l.run_dir!, 'results.json'), 'utf8')) as RunResult;
    assert.equal(result.scenarios[0]!.summary.requests_ok, 4);
    assert.ok(await groupGone(p.server_pid!), `server group ${p.server_pid} survived`);
  }
  assert.match(r.stdout, /best: point [01] \(parallel=[12]\) at concurrency 2, the highest meeting the SLA/);
});

test('embedded engine sweep: engine settings as parameters, one engine per point, no server', async () => {
  const pdir = tempDir('llmbench-sweep-engine-');
  const file = join(pdir, 'engine.yaml');
  writeFileSync(file, `parameters:
  context-size: [128, 256]
benchmark:
  model: ${STORIES}
  threads: 1
  input-tokens: 4
  output-tokens: 4
  requests: 2
`);
  const out = tempDir();
  const r = await runCli(['sweep', file, '--out', out, '--no-history', '--no-report']);
  assert.equal(r.code, 0, r.stderr);
  const { dir, sweep } = readSweep(out);
  assert.deepEqual(sweep.points.map((p) => [p.parameters, p.status, p.startup_s, p.server_pid]), [[{ 'context-size': 128 }, 'ok', null, null], [{ 'context-size': 256 }, 'ok', null, null]]);
  for (const [i, p] of sweep.points.entries()) {
    const result = JSON.parse(readFileSync(join(dir, p.loads![0]!.run_dir!, 'results.json'), 'utf8')) as RunResult;
    assert.equal(result.scenarios[0]!.summary.requests_ok, 2);
    assert.deepEqual((result.config.engine as { contextSize?: number[] }).contextSize, [[128, 256][i]]);
  }
  // Without an SLA every measured load counts; the ranking still orders the points by throughput.
  assert.equal(sweep.ranking.length, 2);
});
