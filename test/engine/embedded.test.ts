import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RunClock } from '../../src/core/clock.js';
import { createEmbeddedTarget, type EmbeddedTarget } from '../../src/targets/embedded.js';
import { CaptureSink, request, STORIES } from './helpers.js';
import { allowedCpus } from '../../src/engine/llama/affinity.js';

let target: EmbeddedTarget;
const clock = new RunClock();
const never = new AbortController().signal;

before(async () => {
  target = await createEmbeddedTarget({ modelPath: STORIES, clock, threads: 1, contextSize: 256, sequences: 2 });
});
after(async () => {
  await target?.close();
});

test('completion: exact prompt/usage counts, engine timings, run-clock timestamps', async () => {
  const sink = new CaptureSink();
  const t0 = clock.now();
  await target.send(request({ prompt: 'Once upon a time', max_tokens: 24 }), sink, never);
  const t1 = clock.now();
  // BOS + "Once" "upon" "a" "time" (ids 403 407 261 378 in this 512-token SPM vocab)
  assert.deepEqual(sink.usageReports, [{ prompt_tokens: 5, completion_tokens: 24 }]);
  assert.equal(sink.deltas.length, 24);
  assert.ok(sink.deltas.every((d) => d.tokens === 1));
  assert.equal(sink.finished?.reason, 'length');
  assert.ok(sink.text.startsWith(', there was a little girl named Lily. She loved to play outside'), sink.text);
  const ats = sink.deltas.map((d) => d.at!);
  for (let i = 1; i < ats.length; i++) assert.ok(ats[i]! >= ats[i - 1]!);
  assert.ok(ats[0]! >= t0 && ats.at(-1)! <= t1, 'child timestamps land on the parent run clock');
  assert.equal(sink.finished?.at, ats.at(-1));
  const eng = sink.engineReports[0]!;
  assert.equal(eng.decode_steps_ms?.length, 23);
  assert.ok(typeof eng.prefill_ms === 'number' && eng.prefill_ms > 0);
  assert.ok(typeof eng.tokenize_ms === 'number' && typeof eng.detokenize_ms === 'number');
});

test('temperature 0 is deterministic; force_length gives exactly max_tokens', async () => {
  const a = new CaptureSink();
  const b = new CaptureSink();
  await target.send(request({ prompt: 'Tom had a dog', max_tokens: 120, force_length: true }), a, never);
  await target.send(request({ prompt: 'Tom had a dog', max_tokens: 120, force_length: true }), b, never);
  assert.equal(a.text, b.text);
  assert.equal(a.deltas.length, 120);
  assert.equal(a.usageReports[0]!.completion_tokens, 120);
  assert.equal(a.finished?.reason, 'length');
});

test('chat without a template uses the plain fallback (BOS + contents)', async () => {
  assert.deepEqual(target.info.chat_template, {
    kind: 'fallback',
    name: 'fallback:plain',
    description: 'the model has no tokenizer.chat_template: BOS + message contents joined by blank lines',
  });
  const sink = new CaptureSink();
  await target.send(request({ messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8 }), sink, never);
  assert.equal(sink.usageReports[0]!.prompt_tokens, 5);
  assert.equal(await target.tokenizer()!.countChat!([{ role: 'system', content: 'Once' }, { role: 'user', content: 'upon a time' }]), 1 + (await target.tokenizer()!.encode('Once\n\nupon a time')).length);
});

test('two parallel sequences both finish with exact lengths', async () => {
  const sinks = [new CaptureSink(), new CaptureSink(), new CaptureSink()];
  await Promise.all(sinks.map((s, i) => target.send(request({ prompt: `Lily saw a cat ${i}`, max_tokens: 20 + i, force_length: true }), s, never)));
  assert.deepEqual(sinks.map((s) => s.deltas.length), [20, 21, 22]);
  // With two sequences, two of the three generate at the same time (their token spans overlap) and the third
  // starts only when a sequence is free (never three at once). Token times are taken in the engine.
  const spans = sinks.map((s) => [s.deltas[0]!.at!, s.deltas.at(-1)!.at!] as const).sort((x, y) => x[0] - y[0]);
  const [a, b, c] = spans as [readonly [number, number], readonly [number, number], readonly [number, number]];
  assert.ok(b[0] < a[1], `the first two overlap: ${JSON.stringify(spans)}`);
  assert.ok(c[0] >= Math.min(a[1], b[1]), `the third waits for a free sequence: ${JSON.stringify(spans)}`);
});

test('tokenizer: encode, decode, countPrompt', async () => {
  const tok = target.tokenizer()!;
  assert.equal(tok.source, 'engine');
  assert.deepEqual(await tok.encode('Once upon a time'), [403, 407, 261, 378]);
  assert.equal(await tok.decode!([403, 407, 261, 378]), 'Once upon a time');
  assert.equal(await tok.countPrompt!('Once upon a time'), 5);
});

test('scorer: one log-prob per token, index 0 null, all ≤ 0', async () => {
  const sc = target.scorer();
  assert.equal(sc.maxTokens, 256);
  const ids = await sc.tokenize('Once upon a time, there was a little girl named Lily.');
  assert.equal(ids[0], 1);
  const lp = await sc.scoreTokens(ids);
  assert.equal(lp.length, ids.length);
  assert.equal(lp[0], null);
  for (const v of lp.slice(1)) assert.ok(typeof v === 'number' && v <= 0 && Number.isFinite(v), String(v));
  // The model wrote this continuation itself at temperature 0, so it finds it likely: mean log-prob > -1.
  const mean = (lp.slice(1) as number[]).reduce((s, v) => s + v, 0) / (lp.length - 1);
  assert.ok(mean > -1, String(mean));
  await assert.rejects(sc.scoreTokens(new Array(257).fill(1)), RangeError);
});

test('scorer agrees with llama-perplexity (first 128-token window of GSM8K questions: PPL 67.2684)', async () => {
  // Reference: llama.cpp v0.4.0 llama-perplexity -c 128 -b 128 -t 1 on the first GSM8K test questions joined by
  // newlines prints [1]67.2684 for the first window (BOS first, positions 65..127 scored). See docs/engine.md.
  const lines = readFileSync('../shared/datasets/gsm8k/test.jsonl', 'utf8').split('\n').slice(0, 4);
  const text = lines.map((l) => (JSON.parse(l) as { question: string }).question).join('\n');
  const sc = target.scorer();
  const ids = (await sc.tokenize(text)).slice(0, 128);
  assert.equal(ids.length, 128);
  // Generation running at the same time shares the context's batch: both must come out right.
  const sink = new CaptureSink();
  const [lp] = await Promise.all([sc.scoreTokens(ids), target.send(request({ prompt: 'Once upon a time', max_tokens: 24, temperature: 0 }), sink, never)]);
  assert.ok(sink.text.startsWith(', there was a little girl named Lily.'), sink.text);
  let nll = 0;
  for (let j = 65; j < 128; j++) nll -= lp[j]!;
  const ppl = Math.exp(nll / 63);
  assert.ok(Math.abs(ppl - 67.2684) / 67.2684 < 0.002, `PPL ${ppl}`);
});

test('memory and environment', async () => {
  const m = await target.memory();
  // stories260K: 5 layers, 4 KV heads × 8 dims; f16 K and V; 256 cells × 2 sequences.
  assert.equal(m.kv_cache_bytes, 5 * 512 * (32 * 2 + 32 * 2));
  assert.equal(m.model_bytes, 1171200);
  assert.ok(m.peak_rss_bytes !== null && m.peak_rss_bytes > 10_000_000);
  assert.ok(m.engine_ram_bytes !== null && m.engine_ram_bytes > 0);
  assert.equal(m.engine_vram_bytes, null);
  const env = target.environment();
  assert.equal(env.backend, 'CPU');
  assert.equal(env.threads, 1);
  assert.equal(env.context_size, 256);
  assert.equal(env.sequences, 2);
  assert.equal(env.kv_cache_type, 'f16');
  assert.equal(env.llama_cpp_release, 'v0.4.0');
  // --engine-cpus auto: 1 thread on a machine with more CPUs → the engine process sits on the last allowed one.
  const cpus = allowedCpus();
  if (cpus && cpus.length > 1) {
    assert.equal(env.engine_cpus, String(cpus.at(-1)));
    assert.equal(env.engine_cpus_note, null);
    assert.match(readFileSync(`/proc/${target.enginePid}/status`, 'utf8'), new RegExp(`^Cpus_allowed_list:\\s*${cpus.at(-1)}$`, 'm'));
  }
});
