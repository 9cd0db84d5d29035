import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagsToArgv, runConfigFromArgv } from '../../src/cli/run-config.js';
import { RUN_OPTIONS } from '../../src/cli/commands/run.js';
import { camelKey } from '../../src/cli/option.js';
import { RUN_DEFAULTS, recordedConfig, runConfigProblems } from '../../src/runner/config.js';
import { runBenchmark } from '../../src/runner/benchmark.js';
import { UsageError } from '../../src/core/errors.js';

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.problems.map((p) => `${p.where}: ${p.message}`);
  }
  return [];
}

test('llmbench run flags → RunConfig: only what was given, grouped, in internal units', () => {
  const c = runConfigFromArgv(
    [
      '--target', 'http://127.0.0.1:8000/v1', '--model', 'qwen', '--header', 'X-Team: a:b', '--timeout', '30s', '--extra-body', '{"top_k":1}',
      '--server', 'vllm', '--no-cache-reset', '--sample-interval', '500ms',
      '--input-tokens', '3,26,100-300', '--output-tokens', '50',
      '--rate', '2,4', '--arrival', 'gamma:0.5', '-c', '64', '--duration', '1m', '--warmup', '2', '--repeat', '5', '--slo', 'ttft:200ms',
      '--out', 'res', '--name', 'nightly', '--percentiles', '95', '--no-save-text', '--no-report', '--json',
    ],
    { LLMBENCH_API_KEY: 'sk-secret' },
  );
  assert.deepEqual(c, {
    target: 'http://127.0.0.1:8000/v1',
    models: ['qwen'],
    apiKey: 'sk-secret',
    timeoutMs: 30_000,
    extraBody: { top_k: 1 },
    headers: { 'x-team': 'a:b' },
    server: { kind: 'vllm', cacheReset: false, sampleIntervalMs: 500 },
    workload: { inputTokens: [{ min: 3, max: 3 }, { min: 26, max: 26 }, { min: 100, max: 300 }], outputTokens: [{ min: 50, max: 50 }] },
    load: { concurrency: [64], rate: [2, 4], arrival: { kind: 'gamma', shape: 0.5 }, durationMs: 60_000, warmup: 2, repeat: 5, slo: { ttft_ms: 200 } },
    output: { out: 'res', name: 'nightly', percentiles: [95], saveText: false },
  });
  // results.json keeps the configuration without secrets.
  assert.deepEqual(recordedConfig(c).apiKey, '<set>');
  assert.deepEqual(recordedConfig(c).headers, { 'x-team': '<redacted>' });
  assert.equal(c.apiKey, 'sk-secret');
  // Nothing given: an empty config, every field at its default.
  assert.deepEqual(runConfigFromArgv([]), {});
  assert.deepEqual(runConfigFromArgv(['--threads', '1,2', '--kv-cache-type', 'q8_0', '--engine-cpus', '0-1', '--dataset', 'gsm8k', '--dataset-path', 'g.jsonl', '--shots', '5']), {
    engine: { threads: [1, 2], kvCacheType: ['q8_0'], cpus: [0, 1] },
    quality: { dataset: 'gsm8k', datasetPath: 'g.jsonl', shots: 5 },
  });
});

test('the run flags default to RUN_DEFAULTS, so a config without a field runs as the command line without the flag', () => {
  const expected: Record<string, unknown> = {
    timeout: RUN_DEFAULTS.timeoutMs,
    server: RUN_DEFAULTS.serverKind,
    insecure: RUN_DEFAULTS.insecure,
    maxEventBytes: RUN_DEFAULTS.maxEventBytes,
    cacheReset: RUN_DEFAULTS.cacheReset,
    sampleInterval: RUN_DEFAULTS.sampleIntervalMs,
    telemetry: RUN_DEFAULTS.telemetry,
    sharedPrefix: RUN_DEFAULTS.sharedPrefix,
    kvCacheType: [RUN_DEFAULTS.kvCacheType],
    flashAttention: RUN_DEFAULTS.flashAttention,
    engineCpus: RUN_DEFAULTS.engineCpus,
    arrival: RUN_DEFAULTS.arrival.kind,
    warmup: RUN_DEFAULTS.warmup,
    repeat: RUN_DEFAULTS.repeat,
    seed: RUN_DEFAULTS.seed,
    out: RUN_DEFAULTS.out,
    saveText: RUN_DEFAULTS.saveText,
    leadTime: RUN_DEFAULTS.leadTimeMs,
  };
  for (const [key, want] of Object.entries(expected)) {
    const def = RUN_OPTIONS.find((o) => camelKey(o.name) === key);
    assert.ok(def, key);
    assert.deepEqual(def.default, want, `--${def.name}`);
  }
  // Options whose defaults the runner does not know are the command's own (output format, report, history) or
  // quality flags whose defaults the quality config applies; anything else with a default must be listed above.
  const own = new Set(['api', 'format', 'report', 'history', 'shots', 'promptField', 'answerField', 'scoring']);
  const unlisted = RUN_OPTIONS.filter((o) => o.default !== undefined && !(camelKey(o.name) in expected) && !own.has(camelKey(o.name))).map((o) => o.name);
  assert.deepEqual(unlisted, []);
});

test('every problem at once, naming the run flag, whether the config came from flags or from a library user', async () => {
  assert.deepEqual(problemsOf(() => runConfigFromArgv(['--target', 'http://h:1', '--model', 'a,b', '--threads', '2', '--header', 'nocolon', '--batch', '-c', '2', '--arrival', 'constant'])), [
    "--header: 'nocolon' is not a header",
    '--model: a server run takes one model',
    '--threads: applies to the embedded engine only',
    '--batch: cannot be combined with --concurrency or --rate',
    '--arrival: only applies to --rate',
  ]);
  assert.deepEqual(
    runConfigProblems({ target: 'ftp://x', workload: { inputTokens: ['abc', 0, { min: 5, max: 2 }], prompts: 'p.txt' }, load: { rate: [0], requests: 1.5, durationMs: 1000 }, quality: { shots: 2 } }).map((p) => `${p.where}: ${p.message}`),
    [
      "--target: 'ftp://x' is not an http(s) URL",
      "--input-tokens: 'abc' is not a token count or a range like 100-300",
      '--input-tokens: 0: a length must be at least 1 token',
      '--input-tokens: {"min":5,"max":2} is not a length',
      '--prompts: cannot be combined with --input-tokens',
      '--rate: 0 must be greater than 0',
      '--requests: 1.5 is not a whole number ≥ 1',
      '--duration: cannot be combined with --requests',
      '--shots: only applies with --dataset',
    ],
  );
  // runBenchmark refuses the same config before opening anything: a UsageError, exit code 2.
  await assert.rejects(runBenchmark({ target: 'http://127.0.0.1:9', load: { concurrency: [0] } }), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && /--concurrency: 0 is not a whole number ≥ 1/.test(e.message));
});

test('flagsToArgv: a sweep point written in run\'s long option names becomes run arguments', () => {
  const flags = { target: 'http://h:1', 'input-tokens': [128, '100-300'], concurrency: 8, header: ['A: 1', 'B: 2'], 'extra-body': { top_k: 1 }, 'cache-reset': false, batch: true, name: null };
  assert.deepEqual(flagsToArgv(flags), ['--target', 'http://h:1', '--input-tokens', '128,100-300', '--concurrency', '8', '--header', 'A: 1', '--header', 'B: 2', '--extra-body', '{"top_k":1}', '--no-cache-reset', '--batch']);
  assert.deepEqual(runConfigFromArgv(flagsToArgv({ ...flags, batch: false })), {
    target: 'http://h:1',
    headers: { a: '1', b: '2' },
    extraBody: { top_k: 1 },
    server: { cacheReset: false },
    workload: { inputTokens: [{ min: 128, max: 128 }, { min: 100, max: 300 }] },
    load: { concurrency: [8], batch: false },
  });
});
