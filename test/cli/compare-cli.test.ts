import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from './fake-io.js';
import { FIXTURE_RUNS } from '../reports/load.js';

const A = join(FIXTURE_RUNS, 'a');
const B = join(FIXTURE_RUNS, 'b');

test('compare --fail-if: 0 when within limits, 5 on a regression, 2 for a path that matches nothing', async () => {
  const ok = await runCli(['compare', A, B, '--fail-if', 'tpot_ms.p90>+5%,output_token_throughput<-3%']);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^compare vs baseline\n/);
  assert.equal(ok.stderr, 'llmbench compare: 2 threshold(s) checked, none violated\n');

  const bad = await runCli(['compare', A, B, '--baseline', B, '--fail-if', 'tpot_ms.p90>+5%,output_token_throughput<-3%']);
  assert.equal(bad.code, 5);
  assert.match(bad.stderr, /\[LLMBENCH_THRESHOLD\]: 4 threshold\(s\) violated/);
  assert.match(bad.stdout, /^compare vs faster\n/);

  const byName = await runCli(['compare', A, B, '--baseline', 'faster', '--fail-if', 'tpot_ms.p90>+5%']);
  assert.equal(byName.code, 5);

  const typo = await runCli(['compare', A, B, '--fail-if', 'tpot_ms.p91>+5%']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /'tpot_ms.p91' matches no metric in any compared scenario/);

  const syntax = await runCli(['compare', A, B, '--fail-if', 'tpot_ms.p90 up 5']);
  assert.equal(syntax.code, 2);
});

test('compare: usage errors for one run, an unknown baseline, a missing run', async () => {
  assert.equal((await runCli(['compare', A])).code, 2);
  const nb = await runCli(['compare', A, B, '--baseline', 'nope']);
  assert.equal(nb.code, 2);
  assert.match(nb.stderr, /'nope' is none of the runs being compared/);
  const missing = await runCli(['compare', A, join(FIXTURE_RUNS, 'no-such-run')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no history database/);
});

test('compare --json is the comparison with violations; --format md is a Markdown table', async () => {
  const j = await runCli(['compare', A, B, '--json', '--fail-if', 'ttft_ms.p50<-100']);
  assert.equal(j.code, 0);
  const out = JSON.parse(j.stdout);
  assert.deepEqual(Object.keys(out), ['baseline', 'runs', 'rows', 'unmatched', 'thresholds', 'violations']);
  assert.deepEqual(out.baseline, { label: 'baseline', run_id: '20261123-100000-aaaa', source: 'llmbench' });
  assert.deepEqual(out.violations, []);
  const md = await runCli(['compare', A, B, '--format', 'md']);
  assert.equal(md.stdout.split('\n')[2], '| scenario | metric | baseline (baseline) | faster | Δ | Δ% | > spread |');
});
