import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../support/cli.js';
import { parsePlan } from '../../src/sweep/plan.js';
import { RUN_FLAGS } from '../../src/cli/run-config.js';
import { UsageError } from '../../src/core/errors.js';
import { renderConfig } from '../../src/sweep/config-file.js';
import { validate } from '../support/json-schema.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

function planFile(text: string, name = 'plan.yaml'): { dir: string; file: string } {
  const dir = tempDir('llmbench-sweep-plan-');
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

function problems(text: string): string[] {
  try {
    parsePlan(text, 'plan.yaml', RUN_FLAGS);
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.problems.map((p) => `${p.where}: ${p.message}`);
  }
  return [];
}

const GOOD = `server:
  command: "vllm serve {model} --max-num-seqs {max_num_seqs} --port {port}"
  ready: { path: /health, timeout: 10m }
parameters:
  max_num_seqs: [64, 128]
benchmark:
  model: Qwen/Qwen2.5-7B-Instruct
  input-tokens: 1024
  output-tokens: [64, 128]
sla:
  ttft_ms.p99: "<= 500"
  error_rate: "<= 0.01"
search: { over: concurrency, min: 1, max: 64 }
`;

test('plan: a good plan parses into points, workload cells, SLA lines and a search', () => {
  const p = parsePlan(GOOD, 'plan.yaml', RUN_FLAGS);
  assert.deepEqual(p.points.map((x) => x.parameters), [{ max_num_seqs: 64 }, { max_num_seqs: 128 }]);
  assert.deepEqual(p.cells, [{ 'output-tokens': 64 }, { 'output-tokens': 128 }]);
  assert.deepEqual(p.sla.map((l) => [l.path, l.op, l.limit]), [['ttft_ms.p99', '<=', 500], ['error_rate', '<=', 0.01]]);
  assert.deepEqual(p.search, { over: 'concurrency', min: 1, max: 64 });
  assert.equal(p.points[0]!.server!.ready.timeoutMs, 600_000);
  assert.equal(p.points[0]!.server!.stop.signal, 'SIGTERM');
  assert.equal(p.points[0]!.server!.target, 'http://127.0.0.1:{port}');
  // The plan's own schema accepts it.
  const schema = JSON.parse(readFileSync('docs/sweep-plan.schema.json', 'utf8'));
  assert.deepEqual(validate(schema, parseYaml(GOOD)), []);
});

test('plan: YAML errors are usage errors with the line number', () => {
  assert.deepEqual(problems('server:\n  command: "x {port}"\nparameters:\n  a: [1, 2\n').length, 1);
  assert.match(problems('server:\n  command: "x {port}"\nparameters:\n  a: [1, 2\n')[0]!, /^plan\.yaml:5:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a \]/);
  assert.match(problems('a: 1\na: 2\n')[0]!, /^plan\.yaml:2:1: YAML: Map keys must be unique/);
});

test('plan: unknown keys, placeholders without a parameter, unused parameters, bad SLA metrics and run options are all reported at once', () => {
  const text = `server:
  command: "serve --seqs {max_seq} --port {port}"
  ready: { path: /health, tiemout: 5s }
parameters:
  max_num_seqs: [1, 2]
benchmark:
  concurency: 4
  requests: 0
  out: elsewhere
sla:
  ttft_ms.p95: "<= 500"
  tpot.p90: "<= 50"
  error_rate: "below 0.01"
  output_token_throughput: ">= 10"
serch: { over: concurrency }
`;
  assert.deepEqual(problems(text), [
    'plan.yaml:15: serch: unknown key',
    "plan.yaml:11: sla.ttft_ms.p95: 'p95' is not a statistic of ttft_ms",
    "plan.yaml:12: sla.tpot.p90: 'tpot' is not a metric",
    "plan.yaml:13: sla.error_rate: 'below 0.01' is not OP NUMBER (OP one of <=, <, >=, >)",
    'plan.yaml:3: server.ready.tiemout: unknown key',
    'plan.yaml:2: server.command: placeholder {max_seq} has no parameter',
    'plan.yaml:5: parameters.max_num_seqs: is never used',
    'plan.yaml:7: benchmark.concurency: is not an `llmbench run` option',
    'plan.yaml:9: benchmark.out: is set by the sweep for every run',
    "plan.yaml:8: benchmark.requests: '0' is not a whole number ≥ 1",
  ]);
});

test('plan: search conflicts, built-in placeholders and engine parameters are checked', () => {
  assert.deepEqual(problems(`server:\n  command: "s {model} --port {port}"\nbenchmark:\n  concurrency: [1, 2]\nsla: { tpot_ms.p90: "<= 50" }\nsearch: { max: 8 }\n`), [
    'plan.yaml:2: server.command: {model} needs benchmark.model (one model name)',
    'plan.yaml:4: benchmark.concurrency: cannot be combined with search over concurrency',
  ]);
  assert.deepEqual(problems(`server:\n  command: "s --port {port}"\nsearch: { over: rate, min: 2, max: 1 }\n`), ['plan.yaml:3: search.max: is below min (2)', 'plan.yaml:3: search: needs an sla: the search looks for the highest load that meets it']);
  assert.deepEqual(problems(`parameters:\n  threads: [1, 2]\n  max_num_seqs: [4]\n`), ['plan.yaml:3: parameters.max_num_seqs: without a server, parameters are embedded-engine settings']);
  assert.deepEqual(problems(`servers:\n  - name: a\n    command: "a --port {port} --x {x}"\n    parameters: { x: [1] }\n  - name: a\n    command: "b --port {port}"\n    parameters: { y: [1] }\n`), ["plan.yaml:5: servers.1.name: 'a' is used twice", 'plan.yaml:7: servers.1.parameters.y: is never used']);
});

test('plan: config_file paths are checked against the template; a one-placeholder value keeps its type', () => {
  const { dir, file } = planFile('', 'unused.yaml');
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ ServerConfig: { port: 1 }, ModelConfig: [{ npuMemSize: -1 }] }));
  const text = (set: string) => `server:\n  command: "srv --config {config_file} --m {mem}"\n  config_file: { template: cfg.json, path: run/c.json, set: { ${set} } }\nparameters: { mem: [8] }\n`;
  const bad = (set: string) => {
    try {
      parsePlan(text(set), file, RUN_FLAGS);
    } catch (e) {
      return (e as UsageError).problems.map((p) => p.message);
    }
    return [];
  };
  assert.deepEqual(bad('"ServerConfig.port.x": 1'), ["'ServerConfig.port' is a number, not an object: cannot set 'ServerConfig.port.x'"]);
  assert.deepEqual(bad('"ModelConfig.first.npuMemSize": 1'), ["'ModelConfig' is an array: 'first' is not an index"]);
  const p = parsePlan(text('"ModelConfig.0.npuMemSize": "{mem}", "ServerConfig.name": "m-{mem}"'), file, RUN_FLAGS);
  const cf = p.points[0]!.server!.configFile!;
  assert.equal(cf.path, join(dir, 'run', 'c.json'));
  assert.deepEqual(renderConfig(cf.templateDoc, cf.set, { mem: 8 }), { ServerConfig: { port: 1, name: 'm-8' }, ModelConfig: [{ npuMemSize: 8 }] });
  assert.deepEqual(problems(`server:\n  command: "s --port {port}"\n  config_file: { template: nope.json, path: c.json }\n`).map((x) => x.replace(/ \/.*nope/, ' …/nope')), ['plan.yaml:3: server.config_file.template: …/nope.json does not exist']);
});

test('sweep CLI: a bad plan exits 2 before anything starts; --dry-run prints points, loads, requests and a duration', async () => {
  const out = tempDir();
  const bad = planFile(`server:\n  command: "node -e 0 --port {port} {nope}"\n`);
  const r = await runCli(['sweep', bad.file, '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /server\.command: placeholder \{nope\} has no parameter/);
  assert.deepEqual(readdirSync(out), []);

  const good = planFile(GOOD);
  const d = await runCli(['sweep', good.file, '--out', out, '--dry-run']);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(
    d.stdout,
    [
      'plan: 2 point(s) × 2 workload cell(s); nothing is started (--dry-run)',
      '  point 0: max_num_seqs=64',
      '    command: vllm serve Qwen/Qwen2.5-7B-Instruct --max-num-seqs 64 --port {port}',
      '    target:  http://127.0.0.1:{port}',
      '  point 1: max_num_seqs=128',
      '    command: vllm serve Qwen/Qwen2.5-7B-Instruct --max-num-seqs 128 --port {port}',
      '    target:  http://127.0.0.1:{port}',
      'loads: search over concurrency from 1 to 64; at most 12 loads per cell (e.g. 1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 34, 33), each measured 3 times when near a limit',
      'requests per load: max(20, 4 × the load)',
      'requests in all: at most 5216 (3× for near-limit loads)',
      'estimated duration: about 7 min of benchmarking at an assumed 20 ms per output token, plus each server\'s start-up (not known before it runs)',
      'plan check: ok',
      '',
    ].join('\n'),
  );
  assert.deepEqual(readdirSync(out), []);
  assert.equal(existsSync(join(good.dir, 'results')), false);
});
