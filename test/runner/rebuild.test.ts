import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { rebuildResult } from '../../src/runner/rebuild.js';
import { loadRunDir } from '../../src/reports/inputs.js';
import { type RunResult } from '../../src/core/result.js';

test('after a hard crash, results.json is rebuilt from requests.jsonl with the same summaries', async () => {
  const s = await startScriptedServer({ itlMs: 1 }, { tokenize: true });
  try {
    const out = tempDir();
    const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '4', '--requests', '4', '-c', '1,2', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(out, readdirSync(out)[0]!);
    const complete = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    // Simulate a crash: the results.json of the start of the run (no scenarios, not finished) and a torn last line.
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...complete, scenarios: [], finished_at: null }));
    appendFileSync(join(dir, 'requests.jsonl'), '{"scenario_id":"in8_out4_c2","rep');
    const run = loadRunDir(dir);
    assert.equal(run.skippedLines, 1, 'the torn last line');
    const rebuilt = rebuildResult(run.result, run.records);
    assert.equal(rebuilt.interrupted, true);
    assert.deepEqual(rebuilt.scenarios.map((x) => x.id), ['in8_out4_c1', 'in8_out4_c2']);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(rebuilt.scenarios[i]!.summary, complete.scenarios[i]!.summary);
      assert.deepEqual(rebuilt.scenarios[i]!.metrics, complete.scenarios[i]!.metrics);
    }
  } finally {
    await s.close();
  }
});

test('llmbench report on a run that never finished rebuilds results.json from requests.jsonl and writes it back', async () => {
  const s = await startScriptedServer({ itlMs: 1 }, { tokenize: true });
  try {
    const out = tempDir();
    const r = await runCli(['run', '--target', s.url, '--input-tokens', '8', '--output-tokens', '4', '--requests', '3', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(out, readdirSync(out)[0]!);
    const complete = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...complete, scenarios: [], finished_at: null }));
    const rep = await runCli(['report', dir, '--no-charts', '--format', 'csv']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.match(rep.stderr, /rebuilt .*results\.json from requests\.jsonl \(1 scenario\(s\)\)/);
    const rebuilt = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
    assert.deepEqual(rebuilt.scenarios[0]!.summary, complete.scenarios[0]!.summary);
    assert.equal(rebuilt.interrupted, true);
  } finally {
    await s.close();
  }
});
