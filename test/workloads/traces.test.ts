// Trace replay (--trace) and prefix groups (--prefix-groups): the tests write small traces themselves and replay
// them against a scripted server that logs each request's arrival time and prompt. Its tokenizer is one token per
// word (no BOS in what the server processes), so a prompt's tokens are its words.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { runCli, tempDir } from '../support/cli.js';
import { loadRunStrict, readOnlyRun } from '../support/run-folder.js';
import { readTrace, traceOffsets, parseAzureTime, prefixCacheHitRateMax } from '../../src/workloads/traces.js';
import { runConfigFromArgv } from '../../src/cli/run-config.js';
import { UsageError } from '../../src/core/errors.js';
import { validate } from '../support/json-schema.js';
import { loadLocalTokenizer } from '../../src/workloads/local-tokenizer.js';

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function server(): Promise<ScriptedServer> {
  const s = await startScriptedServer({}, { tokenize: true });
  servers.push(s);
  return s;
}

/** The measured completions a server received (the target's probes ask for 1 token; these tests ask for ≥ 2). */
const measured = (s: ScriptedServer) => s.requests.filter((q) => q.path === '/v1/completions' && Number(q.body.max_tokens) >= 2).sort((a, b) => a.at - b.at);
const words = (q: { body: Record<string, unknown> }) => String(q.body.prompt).split(/\s+/).filter(Boolean);
const common = (a: string[], b: string[]) => {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
};
const usage = (argv: string[]): string => {
  try {
    runConfigFromArgv(argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.message;
  }
  assert.fail(`no usage error for ${argv.join(' ')}`);
};

test('readTrace: Azure times with 7 fractional digits, BurstGPT by header name with 0-token rows skipped, time order, --trace-limit', () => {
  const dir = tempDir();
  const azure = join(dir, 'azure.csv');
  writeFileSync(azure, 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:46.6806901,100,5\n2023-11-16 18:15:50,7,1\n');
  const a = readTrace(azure, 'azure', null);
  assert.deepEqual(a.entries.map((e) => [e.input, e.output, e.line]), [[374, 44, 2], [100, 5, 3], [7, 1, 4]]);
  const off = traceOffsets(a.entries, 1);
  assert.equal(off[0], 0);
  // 0.6806901 s − 0.6805900 s = 0.1001 ms: the seventh digit (100 ns) survives.
  assert.ok(Math.abs(off[1]! - 0.1001) < 1e-6, String(off[1]));
  assert.ok(Math.abs(off[2]! - 3319.41) < 1e-6, String(off[2]));
  assert.equal(parseAzureTime('2023-11-16 18:15:46.6805900'), Date.UTC(2023, 10, 16, 18, 15, 46) + 680.59);
  assert.equal(parseAzureTime('2023-11-16T18:15:46.5+01:00'), Date.UTC(2023, 10, 16, 17, 15, 46) + 500);
  assert.equal(parseAzureTime('16/11/2023 18:15'), null);

  const burst = join(dir, 'burst.csv');
  writeFileSync(burst, 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,20,3,23,Conversation log\n5.5,ChatGPT,12,0,12,Conversation log\n5.02,GPT-4,16,2,18,API log\n5.1,ChatGPT,25,4,29,Conversation log\n5.2,ChatGPT,18,2,20,Conversation log\n');
  const b = readTrace(burst, 'burstgpt', null);
  assert.equal(b.skippedFailed, 1);
  // In time order (5.02 s before 5.1 s), the failed row at 5.5 s left out.
  assert.deepEqual(b.entries.map((e) => e.line), [2, 4, 5, 6]);
  assert.deepEqual(traceOffsets(b.entries, 2).map((x) => Math.round(x * 1e6) / 1e6), [0, 10, 50, 100]);
  assert.deepEqual(readTrace(burst, 'burstgpt', 2).entries.map((e) => e.line), [2, 4]);
  // Columns are found by name, in any order.
  writeFileSync(burst, 'Response tokens,Request tokens,Timestamp\n3,20,1.5\n');
  assert.deepEqual(readTrace(burst, 'burstgpt', null).entries.map((e) => [e.timeMs, e.input, e.output]), [[1500, 20, 3]]);
});

test('a malformed trace line fails naming the file and the line, before anything is sent', async () => {
  const dir = tempDir();
  const cases: Array<[string, 'mooncake' | 'azure' | 'burstgpt', string, RegExp]> = [
    ['m1.jsonl', 'mooncake', '{"timestamp": 0, "input_length": 5, "output_length": 2, "hash_ids": [1]}\n\n{"timestamp": 3, "input_length": 5, "output_length": 2, "hash_ids": [1,\n', /m1\.jsonl:3: is not valid JSON/],
    ['m2.jsonl', 'mooncake', '{"timestamp": 0, "input_length": 5, "output_length": 2, "hash_ids": [1]}\n{"timestamp": 1, "input_length": 0, "output_length": 2, "hash_ids": []}\n', /m2\.jsonl:2: "input_length" must be a whole number ≥ 1/],
    ['m3.jsonl', 'mooncake', '{"timestamp": "soon", "input_length": 5, "output_length": 2, "hash_ids": [1]}\n', /m3\.jsonl:1: "timestamp" must be a number/],
    ['m4.jsonl', 'mooncake', '{"timestamp": 0, "input_length": 5, "output_length": 2, "hash_ids": ["a"]}\n', /m4\.jsonl:1: "hash_ids" must be an array of whole numbers/],
    ['a1.csv', 'azure', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.1,3,4\n2023-11-16 18:15:46.12345678,3,4\n', /a1\.csv:3: TIMESTAMP '2023-11-16 18:15:46\.12345678' is not a date and time/],
    ['a2.csv', 'azure', 'TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.1,3\n', /a2\.csv:1: the header has no "GeneratedTokens" column/],
    ['b1.csv', 'burstgpt', 'Timestamp,Request tokens,Response tokens\n1,2,3\n2,x,3\n', /b1\.csv:3: Request tokens 'x' is not a whole number/],
  ];
  for (const [name, format, text, re] of cases) {
    writeFileSync(join(dir, name), text);
    assert.throws(() => readTrace(join(dir, name), format, null), re, name);
  }
  const s = await server();
  const r = await runCli(['run', '--target', s.url, '--api', 'completions', '--trace', join(dir, 'm1.jsonl'), '--trace-format', 'mooncake', '--out', tempDir()]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /m1\.jsonl:3: is not valid JSON/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(s.requests.filter((q) => q.path.startsWith('/v1/')).length, 0, 'nothing sent');
});

test('Mooncake replay: the trace\'s times, exact lengths, shared prefixes exactly where the hash ids say, hit-rate maximum', async () => {
  const dir = tempDir();
  const trace = join(dir, 'trace.jsonl');
  const entries = [
    { timestamp: 1000, input_length: 13, output_length: 2, hash_ids: [1, 2, 3] },
    { timestamp: 1000, input_length: 15, output_length: 3, hash_ids: [1, 2, 4, 5] },
    { timestamp: 1200, input_length: 9, output_length: 2, hash_ids: [1, 6] },
    { timestamp: 1400, input_length: 21, output_length: 2, hash_ids: [7] },
    { timestamp: 1600, input_length: 13, output_length: 2, hash_ids: [1, 2, 3] },
    { timestamp: 1800, input_length: 30, output_length: 2, hash_ids: [1, 2, 3, 8, 9, 10, 11] },
  ];
  writeFileSync(trace, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const s = await server();
  const out = tempDir();
  // Time scale 2: the trace's 800 ms are replayed in 400 ms.
  const r = await runCli(['run', '--target', s.url, '--api', 'completions', '--trace', trace, '--trace-format', 'mooncake', '--trace-block-size', '4', '--trace-time-scale', '2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const run = readOnlyRun(out);
  const scen = run.result.scenarios[0]!;
  assert.equal(scen.id, 'tracemooncake');
  assert.deepEqual(scen.workload, { ...scen.workload, kind: 'trace', trace_path: trace, trace_format: 'mooncake', trace_entries: 6, trace_skipped_failed: 0, time_scale: 2, block_size: 4, trace_duration_ms: 800 });
  assert.equal((scen.load as { mode: string }).mode, 'trace');
  assert.equal((scen.load as { requests: number }).requests, 6, '--requests defaults to the trace size');
  // Blocks per request (4 tokens each, the last up to input_length) and hits at the second sighting of a prefix:
  // 0 + 8 + 4 + 0 + 12 + 12 = 36 hit tokens of 13 + 15 + 9 + 21 + 13 + 30 = 101.
  assert.equal(scen.prefix_cache_hit_rate_max, 36 / 101);

  const recs = run.records.filter((x) => !x.warmup).sort((a, b) => a.trace_line! - b.trace_line!);
  assert.deepEqual(recs.map((x) => x.trace_line), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(recs.map((x) => x.input_tokens), entries.map((e) => e.input_length));
  assert.deepEqual(recs.map((x) => x.requested_output_tokens), entries.map((e) => e.output_length));
  assert.deepEqual(recs.map((x) => x.output_tokens), entries.map((e) => e.output_length));
  // The schedule is the trace's: offsets from the first entry, halved.
  const t0 = recs[0]!.scheduled_at;
  const want = entries.map((e) => (e.timestamp - 1000) / 2);
  recs.forEach((x, i) => assert.ok(Math.abs(x.scheduled_at - t0 - want[i]!) < 1e-6, `line ${i + 1}: scheduled ${x.scheduled_at - t0} ms, want ${want[i]}`));

  // The server's log: arrivals in time order; the two at 0 ms are told apart by their lengths.
  const got = measured(s);
  assert.equal(got.length, 6);
  const first = got.slice(0, 2).sort((a, b) => words(a).length - words(b).length);
  const byLine = [first[0]!, first[1]!, ...got.slice(2)];
  assert.deepEqual(byLine.map((q) => words(q).length), entries.map((e) => e.input_length), 'exact input lengths');
  // Arrival gaps at the server = the trace's gaps + the client's own lateness (schedule_lag_ms, logged per
  // request) + the difference in delivery time over loopback, which is all the tolerance allows for.
  const lag = recs.map((x) => x.schedule_lag_ms!);
  byLine.forEach((q, i) => {
    const gap = q.at - byLine[0]!.at;
    const delivery = gap - want[i]! - (lag[i]! - lag[0]!);
    assert.ok(Math.abs(delivery) <= 25, `line ${i + 1}: arrived ${gap.toFixed(2)} ms after the first, trace says ${want[i]} ms, client lag ${lag[i]!.toFixed(2)} vs ${lag[0]!.toFixed(2)}`);
  });
  // Shared prefixes: exactly 4 tokens per common leading hash id, and the next token differs.
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const k = common(entries[i]!.hash_ids.map(String), entries[j]!.hash_ids.map(String));
      assert.equal(common(words(byLine[i]!), words(byLine[j]!)), 4 * k, `lines ${i + 1} and ${j + 1} share ${k} hash ids`);
    }
  }
  // A hash id is the same block wherever it appears (id 3 ends lines 1, 5 and 6 alike).
  assert.deepEqual(words(byLine[5]!).slice(0, 12), words(byLine[0]!).slice(0, 12));

  const schema = JSON.parse(readFileSync('docs/results.schema.json', 'utf8'));
  assert.deepEqual(validate(schema, run.result), []);
  const rschema = JSON.parse(readFileSync('docs/requests.schema.json', 'utf8'));
  for (const x of run.records) assert.deepEqual(validate(rschema, x), []);
});

test('BurstGPT replay: salted prompts of exact lengths, failed rows skipped and counted, --trace-limit and --requests', async () => {
  const dir = tempDir();
  const trace = join(dir, 'burst.csv');
  writeFileSync(trace, 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n100,ChatGPT,20,3,23,Conversation log\n100.5,ChatGPT,12,0,12,Conversation log\n100.03,GPT-4,16,2,18,API log\n100.1,ChatGPT,25,4,29,Conversation log\n100.2,ChatGPT,18,2,20,Conversation log\n');
  const s = await server();
  const out = tempDir();
  const r = await runCli(['run', '--target', s.url, '--api', 'completions', '--trace', trace, '--trace-format', 'burstgpt', '--trace-limit', '3', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const run = readOnlyRun(out);
  const scen = run.result.scenarios[0]!;
  assert.equal((scen.workload as { trace_skipped_failed: number }).trace_skipped_failed, 1);
  assert.equal((scen.workload as { trace_entries: number }).trace_entries, 3);
  assert.equal((scen.workload as { block_size: number | null }).block_size, null);
  assert.equal(scen.prefix_cache_hit_rate_max, 0, 'nothing shared');
  const recs = run.records.sort((a, b) => a.scheduled_at - b.scheduled_at);
  assert.deepEqual(recs.map((x) => x.trace_line), [2, 4, 5]);
  assert.deepEqual(recs.map((x) => x.input_tokens), [20, 16, 25]);
  assert.deepEqual(recs.map((x) => Math.round(x.scheduled_at - recs[0]!.scheduled_at)), [0, 30, 100]);
  const got = measured(s);
  assert.deepEqual(got.map((q) => words(q).length), [20, 16, 25]);
  // Salted: no two prompts share even their first token.
  assert.equal(new Set(got.map((q) => words(q)[0])).size, 3);

  const s2 = await server();
  const out2 = tempDir();
  const r2 = await runCli(['run', '--target', s2.url, '--api', 'completions', '--trace', trace, '--trace-format', 'burstgpt', '--requests', '2', '--out', out2]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(readOnlyRun(out2).records.map((x) => x.trace_line).sort(), [2, 4]);
  const r3 = await runCli(['run', '--target', s2.url, '--api', 'completions', '--trace', trace, '--trace-format', 'burstgpt', '--requests', '5', '--out', tempDir()]);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /--requests: 5 is more than the 4 requests the trace has/);
});

test('--trace refuses the flags whose job it does; trace flags need --trace; prefix weights match the groups', () => {
  const t = ['--trace', 'x.jsonl', '--trace-format', 'mooncake'];
  const m = usage([...t, '--rate', '2', '--concurrency', '4', '--input-tokens', '64', '--warmup', '1', '--duration', '10s']);
  for (const f of ['--rate', '--concurrency', '--input-tokens', '--warmup', '--duration']) assert.match(m, new RegExp(`${f}: cannot be combined with --trace`));
  assert.match(usage(['--trace', 'x.jsonl']), /--trace-format: is required with --trace/);
  assert.match(usage(['--trace-format', 'azure']), /--trace-format: only applies to --trace/);
  assert.match(usage([...t, '--trace-time-scale', '0']), /--trace-time-scale/);
  assert.match(usage(['--trace', 'x', '--trace-format', 'sharegpt']), /--trace-format/);
  assert.match(usage(['--shared-prefix', '8', '--prefix-groups', '2', '--prefix-weights', '1,2,3']), /--prefix-weights: 3 weights for 2 prefix groups/);
  assert.match(usage(['--prefix-groups', '3']), /--prefix-groups: needs --shared-prefix N/);
  assert.match(usage(['--shared-prefix', '8', '--prefix-groups', '2', '--prefix-weights', '1,0']), /--prefix-weights/);
  const c = runConfigFromArgv([...t, '--trace-time-scale', '4', '--trace-block-size', '16', '--trace-limit', '100']);
  assert.deepEqual(c.workload?.trace, { path: 'x.jsonl', format: 'mooncake', timeScale: 4, blockSize: 16, limit: 100 });
});

test('prefix groups: G distinct exact prefixes, drawn per request index (weights deterministic), hit-rate maximum exact', async () => {
  const s = await server();
  const out = tempDir();
  const base = ['run', '--target', s.url, '--api', 'completions', '--input-tokens', '20', '--output-tokens', '2', '--shared-prefix', '6'];
  const r = await runCli([...base, '--prefix-groups', '3', '--requests', '24', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const run = readOnlyRun(out);
  const got = measured(s);
  assert.equal(got.length, 24);
  for (const q of got) assert.equal(words(q).length, 20);
  const prefixes = new Map<number, string>();
  const recs = run.records.sort((a, b) => a.sent_at! - b.sent_at!);
  const prompts = new Map(got.map((q) => [q.at, words(q)]));
  // Records and server requests pair up in send order (one request at a time).
  const ordered = [...prompts.values()];
  recs.forEach((x, i) => {
    const w = ordered[i]!;
    const p = w.slice(0, 6).join(' ');
    const g = x.prefix_group!;
    assert.ok(g >= 0 && g < 3);
    if (prefixes.has(g)) assert.equal(prefixes.get(g), p, `group ${g} is one prefix`);
    else prefixes.set(g, p);
  });
  assert.equal(prefixes.size, 3, 'all three groups drawn');
  const firsts = [...prefixes.values()].map((p) => p.split(' ')[0]);
  assert.equal(new Set(firsts).size, 3, 'groups differ from their first token');
  // After the prefix every prompt is salted: the 7th tokens all differ.
  assert.equal(new Set(ordered.map((w) => w[6])).size, 24);
  // 24 prompts of 20 tokens; each group's 6-token prefix misses once, then hits: 6 × (24 − 3) / 480.
  assert.equal(run.result.scenarios[0]!.prefix_cache_hit_rate_max, (6 * 21) / 480);
  assert.equal((run.result.scenarios[0]!.workload as { prefix_groups: number }).prefix_groups, 3);

  // Weights: a pure function of the request index, so two runs draw the same groups; 6:1:1 favours group 0.
  const seqs: number[][] = [];
  for (let k = 0; k < 2; k++) {
    const o = tempDir();
    const rr = await runCli([...base, '--prefix-groups', '3', '--prefix-weights', '6,1,1', '--requests', '40', '--concurrency', '4', '--out', o]);
    assert.equal(rr.code, 0, rr.stderr);
    seqs.push(readOnlyRun(o).records.sort((a, b) => a.index - b.index).map((x) => x.prefix_group!));
  }
  assert.deepEqual(seqs[0], seqs[1]);
  const counts = [0, 1, 2].map((g) => seqs[0]!.filter((x) => x === g).length);
  // The seeded draws for this scenario (6:1:1 over 40 would be 30:5:5 on average).
  assert.deepEqual(counts, [29, 8, 3]);
  // Without --shared-prefix nothing is shared: the maximum is 0.
  const o2 = tempDir();
  const r2 = await runCli(['run', '--target', s.url, '--api', 'completions', '--input-tokens', '20', '--output-tokens', '2', '--requests', '3', '--out', o2]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(readOnlyRun(o2).result.scenarios[0]!.prefix_cache_hit_rate_max, 0);
});

test('prefixCacheHitRateMax: first sighting of a prefix key misses, later ones hit; null when a request is unknown', () => {
  assert.equal(prefixCacheHitRateMax([{ blocks: [{ key: 'a', tokens: 4 }, { key: 'a,b', tokens: 4 }], total: 10 }, { blocks: [{ key: 'a', tokens: 4 }, { key: 'a,c', tokens: 2 }], total: 6 }]), 4 / 16);
  assert.equal(prefixCacheHitRateMax([{ blocks: [], total: 5 }, null]), null);
  assert.equal(prefixCacheHitRateMax([]), null);
});

test('Mooncake blocks survive real tokenizers (GPT-2 BPE, Llama SentencePiece): exact lengths, shared tokens exactly per hash id', async () => {
  const dir = tempDir();
  const trace = join(dir, 'real.jsonl');
  const entries = [
    { timestamp: 0, input_length: 50, output_length: 2, hash_ids: [1, 2, 3, 4] },
    { timestamp: 0, input_length: 60, output_length: 2, hash_ids: [1, 2, 5, 6] },
    { timestamp: 10, input_length: 30, output_length: 2, hash_ids: [1, 7] },
    { timestamp: 20, input_length: 70, output_length: 2, hash_ids: [8, 9, 10, 11, 12] },
    { timestamp: 30, input_length: 64, output_length: 2, hash_ids: [1, 2, 3, 4] },
  ];
  writeFileSync(trace, entries.map((e) => JSON.stringify(e)).join('\n'));
  for (const name of ['ggml-vocab-gpt-2.gguf', 'ggml-vocab-llama-spm.gguf']) {
    const vocab = resolve('..', 'shared', 'fixtures', 'vocab', name);
    // No tokenize endpoint and no usage: the lengths come from --tokenizer alone.
    const s = await startScriptedServer({ usage: false }, { tokenize: false });
    servers.push(s);
    const r = await runCli(['run', '--target', s.url, '--api', 'completions', '--tokenizer', vocab, '--trace', trace, '--trace-format', 'mooncake', '--trace-block-size', '16', '--out', tempDir()]);
    assert.equal(r.code, 0, r.stderr);
    const tok = await loadLocalTokenizer(vocab);
    const got = measured(s);
    assert.equal(got.length, 5);
    const text = (q: { body: Record<string, unknown> }) => String(q.body.prompt);
    const first = got.slice(0, 2).sort((a, b) => text(a).length - text(b).length);
    const byLine = [first[0]!, first[1]!, ...got.slice(2)];
    for (const [i, q] of byLine.entries()) assert.equal(await tok.countPrompt!(text(q)), entries[i]!.input_length, `${name} line ${i + 1}: exact length`);
    const ids = await Promise.all(byLine.map((q) => tok.encode(text(q))));
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        const k = common(entries[i]!.hash_ids.map(String), entries[j]!.hash_ids.map(String));
        // k blocks of 16 tokens, or all of the shorter prompt when its last shared block is its partial last one.
        const want = Math.min(16 * k, ids[i]!.length, ids[j]!.length);
        assert.equal(common(ids[i]!.map(String), ids[j]!.map(String)), want, `${name}: lines ${i + 1} and ${j + 1} share ${k} hash ids`);
      }
    }
  }
});

test('--shard divides a trace as it divides --rate: request i to shard i mod N, at the trace\'s times from one start instant', async () => {
  const dir = tempDir();
  const trace = join(dir, 'shard.jsonl');
  const entries = [
    { timestamp: 0, input_length: 9, output_length: 2, hash_ids: [1, 2] },
    { timestamp: 60, input_length: 9, output_length: 2, hash_ids: [1, 3] },
    { timestamp: 60, input_length: 9, output_length: 2, hash_ids: [1, 2] },
    { timestamp: 150, input_length: 9, output_length: 2, hash_ids: [4] },
    { timestamp: 200, input_length: 9, output_length: 2, hash_ids: [1, 3] },
  ];
  writeFileSync(trace, entries.map((e) => JSON.stringify(e)).join('\n'));
  const s = await server();
  const out = tempDir();
  const startAt = String(Date.now() + 2500);
  const rs = await Promise.all([0, 1].map((i) => runCli(['run', '--target', s.url, '--api', 'completions', '--trace', trace, '--trace-format', 'mooncake', '--trace-block-size', '4', '--shard', `${i}/2`, '--start-at', startAt, '--out', out, '--name', 'sh'])));
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  const dirs = readdirSync(out).filter((d) => d.includes('_shard-')).sort().map((d) => join(out, d));
  assert.equal(dirs.length, 2);
  const shardRuns = dirs.map((d) => loadRunStrict(d));
  assert.deepEqual(shardRuns.map((r) => r.records.map((x) => x.trace_line).sort()), [[1, 3, 5], [2, 4]]);
  // Blocks of 4 over the whole schedule: line 3 repeats line 1's two blocks (8), line 5 line 2's (8), and line 2
  // repeats block [1] (4): 20 of 45 prompt tokens, the same for both shards.
  for (const r of shardRuns) assert.equal(r.result.scenarios[0]!.prefix_cache_hit_rate_max, 20 / 45);
  const merged = join(out, 'merged');
  const m = await runCli(['merge', ...dirs, '--out', merged]);
  assert.equal(m.code, 0, m.stderr);
  const run = loadRunStrict(merged);
  assert.equal(run.result.scenarios[0]!.prefix_cache_hit_rate_max, 20 / 45);
  const recs = run.records.sort((a, b) => a.index - b.index);
  assert.deepEqual(recs.map((x) => x.trace_line), [1, 2, 3, 4, 5]);
  // On the merged clock every request is scheduled at its trace time after the one start instant.
  recs.forEach((x, i) => assert.ok(Math.abs(x.scheduled_at - recs[0]!.scheduled_at - entries[i]!.timestamp) < 1, `line ${i + 1}: ${x.scheduled_at - recs[0]!.scheduled_at} ms`));
});

test('embedded engine (a byte-level vocabulary, where the joining space is a token): blocks rebuilt to fit, every length exact', async () => {
  const dir = tempDir();
  const trace = join(dir, 'emb.jsonl');
  const entries = [
    { timestamp: 0, input_length: 40, output_length: 3, hash_ids: [1, 2, 3] },
    { timestamp: 20, input_length: 40, output_length: 3, hash_ids: [1, 2, 4] },
    { timestamp: 40, input_length: 20, output_length: 3, hash_ids: [5, 6] },
  ];
  writeFileSync(trace, entries.map((e) => JSON.stringify(e)).join('\n'));
  const out = tempDir();
  const r = await runCli(['run', '--trace', trace, '--trace-format', 'mooncake', '--trace-block-size', '16', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const run = readOnlyRun(out);
  const recs = run.records.sort((a, b) => a.trace_line! - b.trace_line!);
  // input_tokens is the engine's own count of what it processed.
  assert.deepEqual(recs.map((x) => [x.input_tokens, x.input_tokens_expected, x.output_tokens]), entries.map((e) => [e.input_length, e.input_length, e.output_length]));
  assert.match(String((run.result.scenarios[0]!.workload as { note: string }).note), /block seams changed the token count when joined and were rebuilt to fit/);
});
