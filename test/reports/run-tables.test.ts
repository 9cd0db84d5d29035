import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarioTable, summaryTable } from '../../src/reports/run-tables.js';
import { renderTerminal, renderCsv } from '../../src/reports/table.js';
import { loadFixture } from './load.js';

test('scenario table: metrics × statistics with SLO_P90 and lpct under it', () => {
  const { result } = loadFixture('a');
  assert.equal(
    renderTerminal(scenarioTable(result.scenarios[1]!)),
    [
      'scenario in8_out4_c4',
      'metric         mean    min    max  p50    p75    p90    p99  n',
      '─────────────  ────  ─────  ─────  ───  ─────  ─────  ─────  ─',
      'TTFT (ms)        24     20     28   24     26  27.20  27.92  2',
      'TTFO (ms)        24     20     28   24     26  27.20  27.92  2',
      'TPOT (ms)        13  12.50  13.50   13  13.25  13.40  13.49  2',
      'ITL (ms)         13  12.50  13.50   13  13.50  13.50  13.50  6',
      'E2E (ms)         63  57.50  68.50   63  65.75  67.40  68.39  2',
      'max ITL (ms)     13  12.50  13.50   13  13.25  13.40  13.49  2',
      'input tokens      8      8      8    8      8      8      8  2',
      'output tokens     4      4      4    4      4      4      4  2',
      'SLO_P90 decode: 13.4 ms   lpct: 3 ms',
      '',
    ].join('\n'),
  );
});

test('scenario table: a metric that was not measured is n/a with n = 0, never 0', () => {
  const { result } = loadFixture('a');
  const s = structuredClone(result.scenarios[0]!);
  delete s.metrics.ttfo_ms;
  s.slo_p90_decode_ms = null;
  const out = renderTerminal(scenarioTable(s)).split('\n');
  assert.equal(out[4], 'TTFO (ms)       n/a  n/a  n/a  n/a    n/a    n/a    n/a  0');
  assert.equal(out[11], 'SLO_P90 decode: n/a   lpct: 2.75 ms');
});

test('scenario table: --stop-when-saturated\'s verdict under it, only when the check ran', () => {
  const { result } = loadFixture('a');
  const s = structuredClone(result.scenarios[0]!) as typeof result.scenarios[0] & { saturated?: boolean; saturated_at_ms?: number | null };
  assert.equal(renderTerminal(scenarioTable(s)).split('\n')[12], '');
  s.saturated = true;
  s.saturated_at_ms = 4321;
  assert.equal(renderTerminal(scenarioTable(s)).split('\n')[12], 'saturated: stopped at 4.3 s on the run clock (requests in flight and TTFT kept growing)');
  s.saturated = false;
  s.saturated_at_ms = null;
  assert.equal(renderTerminal(scenarioTable(s)).split('\n')[12], 'saturated: no (requests in flight and TTFT did not both keep growing)');
});

test('summary table: one row per scenario; quality and memory columns only when measured', () => {
  const a = summaryTable(loadFixture('a').result);
  assert.equal(
    renderCsv(a),
    'scenario,requests_ok,requests_failed,request_throughput,output_token_throughput,total_token_throughput,ttft_ms_p50,ttft_ms_p90,tpot_ms_p50,tpot_ms_p90,e2e_ms_p50,goodput\n' +
      'in8_out4_c1,3,0,11.538462,46.153846,138.461538,22,23.6,11,11.8,55,\n' +
      'in8_out4_c4,2,1,29.19708,116.788321,350.364964,24,27.2,13,13.4,63,\n',
  );
  const b = summaryTable(loadFixture('b').result);
  // Run b is the embedded engine: its measured memory (results.json scenario.memory, bytes) shows in MiB; VRAM was
  // not measured in any scenario, so it has no column. Run a (a server) has no memory columns at all.
  assert.deepEqual(b.columns.slice(-6).map((c) => c.key), ['accuracy', 'accuracy_ci95', 'perplexity', 'peak_rss_mib', 'model_mib', 'kv_cache_mib']);
  assert.deepEqual(b.columns.slice(-3).map((c) => c.title), ['peak RSS (MiB)', 'model (MiB)', 'KV cache (MiB)']);
  assert.equal(renderCsv(b).split('\n')[1]!.split(',').slice(-3).join(','), '512,1.06640625,64');
  assert.equal(b.title, 'summary faster (20261123-110000-bbbb · stories260K)');
  assert.equal(
    renderTerminal(b).split('\n')[4],
    'in8_out4_c4   3       0  42.86     171.43       514.29             26          32.40             11          11.80            59              n/a    0.5000    0.3000–0.7000     12.5000             512          1.1              64',
  );
});
