import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../../src/cli/main.js';
import { type CliIO } from '../../src/cli/command.js';
import { estimate, type EstimateInput } from '../../src/estimate/plan.js';
import { findPreset } from '../../src/estimate/presets.js';
import { resolveHardware } from '../../src/estimate/hardware.js';
import { parseKvDtype, parseWeightDtype } from '../../src/estimate/dtypes.js';
import { efficiency } from '../../src/estimate/efficiency.js';
import { modelShapeFromGguf } from '../../src/estimate/gguf-shape.js';
import { HARDWARE_OPTION } from '../../src/cli/options/estimate.js';

const GiB = 2 ** 30;

function io(): CliIO & { out: string; err: string } {
  const o = { out: '', err: '' } as CliIO & { out: string; err: string };
  o.stdout = (t) => void (o.out += t);
  o.stderr = (t) => void (o.err += t);
  o.isTTY = false;
  o.env = {};
  o.cwd = process.cwd();
  o.signal = new AbortController().signal;
  return o;
}

function plan(over: Partial<EstimateInput> & { model: string }) {
  const { model, ...rest } = over;
  return estimate({
    shape: findPreset(model)!, dtype: null, kvDtype: 'auto', hardware: resolveHardware('h100-sxm'), devices: 1, tp: 1, engine: 'vllm',
    context: 8192, concurrency: 1, inputTokens: 1024, outputTokens: 256, knobs: {}, ...rest,
  });
}

test('hardware presets and explicit specs', () => {
  const h100 = resolveHardware('H100');
  assert.deepEqual([h100.id, h100.memory_bytes, h100.bandwidth_bytes_per_s, h100.flops_per_s], ['h100-sxm', Math.round(79.22 * GiB), 3.35e12, 989e12]);
  const c = resolveHardware('mem=24GiB,bw=1.008TB/s,flops=165.2T,name=my card');
  assert.deepEqual([c.memory_bytes, c.bandwidth_bytes_per_s, c.flops_per_s, c.flops8_per_s, c.name, c.verified], [24 * GiB, 1.008e12, 165.2e12, null, 'my card', false]);
  const o = resolveHardware('ascend-910b,bw=1.8TB/s');
  assert.deepEqual([o.memory_bytes, o.bandwidth_bytes_per_s, o.flops_per_s], [64 * GiB, 1.8e12, 313e12]);
  assert.throws(() => resolveHardware('tpu-v9'), /unknown hardware 'tpu-v9'/);
  assert.throws(() => resolveHardware('mem=80GB,bw=2TB/s'), /missing flops/);
  assert.throws(() => resolveHardware('mem=80XB,bw=2TB/s,flops=1T'), /unknown size unit 'XB'/);
  assert.equal(HARDWARE_OPTION.name, 'hardware');
});

test('dtypes: weights and KV', () => {
  assert.equal(parseWeightDtype('int4').bits, 4 + 20 / 128);
  assert.equal(parseWeightDtype('gptq-g32').bits, 4.625);
  assert.equal(parseWeightDtype('Q4_K_M').bits, 4.8944);
  assert.equal(parseWeightDtype('q4_k').bits, 4.5);
  assert.equal(parseWeightDtype('bfloat16').bits, 16);
  assert.equal(parseKvDtype('q8_0', null).bytesPerElement, 34 / 32);
  assert.equal(parseKvDtype('q4_0', null).bytesPerElement, 18 / 32);
  assert.equal(parseKvDtype('fp8_e5m2', null).bytesPerElement, 1);
  assert.equal(parseKvDtype('auto', 'float32').bytesPerElement, 4);
  assert.throws(() => parseWeightDtype('int3'), /not a known weight dtype/);
  // Quantized HF checkpoints keep embeddings and lm_head in 16 bit.
  const r = plan({ model: 'llama-3.1-8b', dtype: 'int4', hardware: null });
  assert.equal(r.weights.bytes_total, Math.ceil((8_030_261_248 - 2 * 525_336_576) * (4.15625 / 8) + 2 * 525_336_576 * 2));
});

test('sliding windows: Gemma-2-9B at 8192 tokens holds 1.97 GiB instead of 2.625', () => {
  const sg = plan({ model: 'gemma-2-9b', engine: 'sglang' });
  assert.equal(sg.kv_cache.bytes_per_token, 42 * 8192);
  assert.equal(sg.kv_cache.bytes_per_sequence, 21 * 8192 * 8192 + 21 * 8192 * 4096);
  assert.equal((sg.kv_cache.bytes_per_sequence / GiB).toFixed(2), '1.97');
  // llama.cpp iSWA: the SWA cache holds min(n_ctx, pad256(4096 × 1 + 512)) = 4608 cells.
  const lc = plan({ model: 'gemma-2-9b', engine: 'llamacpp', context: 32768 });
  assert.equal(lc.kv_cache.pool_bytes_per_device, 21 * 8192 * 32768 + 21 * 8192 * 4608);
});

test('hybrid Qwen3-Next: KV on 12 attention layers, 37.7 MiB of recurrent state per sequence', () => {
  const r = plan({ model: 'qwen3-next-80b-a3b', hardware: resolveHardware('h200'), context: 4096 });
  assert.equal(r.kv_cache.bytes_per_token, 24576);
  assert.equal(r.kv_cache.state_bytes_per_sequence, 36 * (32 * 128 * 128 + 3 * (2 * 16 * 128 + 32 * 128)) * 2);
  assert.equal((r.kv_cache.state_bytes_per_sequence / 2 ** 20).toFixed(1), '37.7');
  assert.equal(r.kv_cache.bytes_per_sequence, 24576 * 4096 + r.kv_cache.state_bytes_per_sequence);
  assert.deepEqual(r.model.layer_kinds, { full: 12, sliding: 0, linear: 36 });
});

test('no attention KV (all layers recurrent): max_tokens is null, not 0, and llama.cpp gets no max_ctx_size', () => {
  const base = findPreset('qwen3-next-80b-a3b')!;
  const shape = { ...base, layerKinds: base.layerKinds.map(() => 'linear' as const) };
  for (const engine of ['vllm', 'sglang', 'trtllm', 'mindie', 'llamacpp'] as const) {
    const r = plan({ model: 'qwen3-next-80b-a3b', shape, hardware: resolveHardware('h200'), engine, context: 4096 });
    assert.equal(r.kv_cache.bytes_per_token, 0, engine);
    assert.equal(r.kv_cache.max_tokens, null, engine);
    assert.ok(r.kv_cache.state_bytes_per_sequence > 0, engine);
  }
  const lc = plan({ model: 'qwen3-next-80b-a3b', shape, hardware: resolveHardware('h200'), engine: 'llamacpp', context: 4096 });
  assert.ok(lc.suggested !== null && !('max_ctx_size' in lc.suggested));
});

test('roofline: decode at batch 1 is bandwidth over bytes read; prefill is compute-bound', () => {
  const r = plan({ model: 'llama-3.1-8b', context: 8192, inputTokens: 1, outputTokens: 1 });
  // 16,060,522,496 B of bf16 weights + KV of input + output/2 = 2 tokens per step, at 3.35 TB/s.
  assert.equal(r.roofline.decode_tokens_per_s, 3.35e12 / (16_060_522_496 + 2 * 131072));
  assert.equal(r.roofline.decode_bound, 'memory');
  const p = plan({ model: 'llama-3.1-8b', inputTokens: 4096 });
  assert.equal(p.roofline.prefill_bound, 'compute');
  // 2 × 7,504,924,672 matmul params + causal attention 2 × 32 × 32 × 256 / 2 × 4096 per token, at 989 TFLOP/s.
  assert.equal(p.roofline.prefill_tokens_per_s, 989e12 / (2 * 7_504_924_672 + 262_144 * 4096));
  assert.ok(p.roofline.decode_tokens_per_s_max_batch! > p.roofline.decode_tokens_per_s!);
});

test('MoE at batch 1 reads only the active experts', () => {
  const r = plan({ model: 'mixtral-8x7b', hardware: resolveHardware('h200'), inputTokens: 1, outputTokens: 1 });
  const bytesPerParam = 2;
  const read = (46_702_792_704 - (8 - 2) * 3 * 4096 * 14336 * 32) * bytesPerParam;
  assert.ok(Math.abs(r.roofline.decode_tokens_per_s! / (4.8e12 / (read + 2 * 131072)) - 1) < 1e-12);
  // 36 sequences touch 8 × (1 − (6/8)^36) ≈ all 8 experts per layer.
  assert.equal(r.roofline.decode_max_batch, 36);
});

test('engines differ: vLLM fraction of total, TRT-LLM fraction of free, MindIE npuMemSize', () => {
  const base = { model: 'llama-3.1-8b', hardware: resolveHardware('a100-80gb'), context: 8192 } as const;
  const v = plan({ ...base, engine: 'vllm', knobs: { gpuMemoryUtilization: 0.5 } });
  assert.equal(v.memory.budget_bytes, Math.floor(0.5 * Math.round(79.15 * GiB)));
  assert.equal(v.kv_cache.pool_bytes_per_device, Math.floor(v.memory.budget_bytes! - 16_060_522_496 - v.memory.activation_bytes! - v.memory.runtime_bytes!));
  const t = plan({ ...base, engine: 'trtllm' });
  assert.equal(t.kv_cache.block_size, 32);
  assert.equal(t.kv_cache.pool_bytes_per_device, Math.floor((Math.round(79.15 * GiB) - 16_060_522_496 - t.memory.activation_bytes! - t.memory.runtime_bytes!) * 0.9));
  const m = plan({ ...base, engine: 'mindie', hardware: resolveHardware('ascend-910b3'), knobs: { npuMemSize: 20 } });
  assert.equal(m.kv_cache.pool_bytes_per_device, 20 * GiB);
  assert.equal(m.kv_cache.blocks, Math.floor((20 * GiB) / (128 * 131072)));
  assert.equal(m.memory.runtime_bytes, 3400 * 2 ** 20);
  const auto = plan({ ...base, engine: 'mindie', hardware: resolveHardware('ascend-910b3') });
  assert.equal(auto.suggested!['cacheBlockSize'], 128);
  assert.equal(auto.kv_cache.pool_is_estimate, true);
});

test('fit check reports the shortfall and suggested settings', () => {
  const r = plan({ model: 'llama-3.1-70b', hardware: resolveHardware('h100-sxm') });
  assert.equal(r.fits, false);
  // 141 GB of bf16 weights on one 79.22 GiB card: short by everything the device lacks.
  assert.equal(r.shortfall_bytes, r.memory.required_bytes_per_device! - r.memory.device_bytes!);
  assert.ok(r.shortfall_bytes! > 50 * GiB);
  const tp4 = plan({ model: 'llama-3.1-70b', hardware: resolveHardware('h100-sxm'), tp: 4, devices: 4, concurrency: 32 });
  assert.equal(tp4.fits, true);
  assert.equal(tp4.weights.bytes_per_device, Math.ceil(70_553_706_496 * 2 / 4));
  const util = tp4.suggested!['gpu_memory_utilization'] as number;
  assert.ok(util > 0.3 && util < 0.9);
});

test('efficiency: MBU and MFU against the device peak; null on an unknown device', async () => {
  const shape = findPreset('llama-2-7b')!;
  const hw = resolveHardware('mem=80GiB,bw=2TB/s,flops=312T');
  // Databricks' example: a 7B model in 16 bit at 14 ms per token on a 2 TB/s device is about 50% MBU.
  const e = efficiency(shape, hw, { decode_tokens_per_s: 1000 / 14, concurrency: 1, prefill_tokens_per_s: null, context_tokens: 0, peak_memory_bytes: 15e9 });
  assert.equal(e.mbu, (13_476_831_232 * (1000 / 14)) / 2e12);
  assert.equal(e.mfu, ((1000 / 14) * 2 * (6_738_415_616 - 131_072_000)) / 312e12);
  assert.equal(e.measured_memory_bytes, 15e9);
  assert.equal(e.predicted_memory_bytes, 13_476_831_232);
  const withKv = efficiency(shape, hw, { decode_tokens_per_s: 20, concurrency: 4, prefill_tokens_per_s: 5000, input_tokens: 1000, context_tokens: 1000, peak_memory_bytes: null, devices: 2 });
  assert.equal(withKv.mbu, ((13_476_831_232 + 4 * 1000 * 524_288) * 20) / (2e12 * 2));
  assert.equal(withKv.mfu, ((2 * 6_607_343_616 + 2 * 32 * 32 * 256 / 2 * 1000) * 5000) / (312e12 * 2));
  assert.equal(withKv.predicted_memory_bytes, 13_476_831_232 + 4 * 1000 * 524_288);
  assert.equal(withKv.measured_memory_bytes, null);
  // Lengths not measured: no KV traffic, so no MBU, and no memory prediction without a reserved context.
  const unknown = efficiency(shape, hw, { decode_tokens_per_s: 20, concurrency: 1, prefill_tokens_per_s: null, context_tokens: null, peak_memory_bytes: null });
  assert.deepEqual([unknown.mbu, unknown.mfu, unknown.predicted_memory_bytes], [null, null, null]);
  const cpu = efficiency(shape, null, { decode_tokens_per_s: 5, concurrency: 1, prefill_tokens_per_s: 50, context_tokens: 10, peak_memory_bytes: 1 });
  assert.deepEqual([cpu.mbu, cpu.mfu], [null, null]);
  // A GGUF run: exact weight bytes from the header; llama.cpp reserves context × sequences.
  const g = await modelShapeFromGguf('../shared/fixtures/models/stories260K.gguf');
  const ge = efficiency(g, resolveHardware('mem=1GiB,bw=100GB/s,flops=1T'), { decode_tokens_per_s: 1000, concurrency: 1, prefill_tokens_per_s: null, context_tokens: 100, peak_memory_bytes: null }, { kvDtype: 'f16', reservedContext: 2048 });
  assert.equal(ge.predicted_memory_bytes, 1_171_200 + 1.25 * 2 ** 20);
  assert.equal(ge.mbu, ((1_171_200 + 100 * 640) * 1000) / 100e9);
});

test('CLI: --json keys, --kv-cache-type alias, csv, config.json input and usage errors', async () => {
  const a = io();
  assert.equal(await main(['estimate', 'llama-3.1-8b', '--hardware', 'rtx-4090', '--context', '131072', '--kv-cache-type', 'fp8', '--json'], a), 0);
  const j = JSON.parse(a.out);
  for (const k of ['params.total', 'params.active', 'weights.bytes_per_device', 'kv_cache.bytes_per_token', 'kv_cache.pool_bytes_per_device', 'kv_cache.max_tokens', 'kv_cache.max_concurrency', 'fits', 'roofline.decode_tokens_per_s', 'roofline.decode_tokens_per_s_max_batch', 'roofline.prefill_tokens_per_s', 'roofline.decode_bound']) {
    const v = k.split('.').reduce((o: Record<string, unknown>, p) => o[p] as Record<string, unknown>, j);
    assert.notEqual(v, undefined, k);
  }
  assert.equal(j.kv_cache.bytes_per_token, 65536);
  assert.equal(j.fits, false); // 8 GiB of fp8 KV for 131072 tokens does not fit beside 15 GiB of weights
  assert.equal(j.kv_cache.bytes_per_sequence, 8 * GiB);
  assert.ok(j.notes.some((n: string) => n.includes('estimate')));

  const b = io();
  assert.equal(await main(['estimate', 'qwen2.5-7b', '--format', 'csv'], b), 0);
  assert.match(b.out, /^kv_cache\.bytes_per_token,57344$/m);
  assert.match(b.out, /^fits,$/m); // unknown without hardware: empty, not 0 or false

  const dir = mkdtempSync(join(tmpdir(), 'llmbench-est-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'qwen3', num_hidden_layers: 36, hidden_size: 2560, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, intermediate_size: 9728, vocab_size: 151936, tie_word_embeddings: true, max_position_embeddings: 40960, torch_dtype: 'bfloat16' }));
    const c = io();
    assert.equal(await main(['estimate', dir, '--hardware', 'l40s', '--engine', 'sglang', '--concurrency', '8', '--context', '4096', '--format', 'md'], c), 0);
    assert.match(c.out, /\| params total \/ active \| 4\.02 B \/ 4\.02 B \|/);
    assert.match(c.out, /mem_fraction_static=/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const d = io();
  assert.equal(await main(['estimate', 'no-such-model'], d), 2);
  assert.match(d.err, /not a file and not a preset/);
  const e = io();
  assert.equal(await main(['estimate', 'llama-3.1-8b', '--hardware', 'x9', '--gpu-memory-utilization', '1.5'], e), 2);
  assert.match(e.err, /must be a fraction/);
  const g = io();
  assert.equal(await main(['estimate', '../shared/fixtures/models/stories260K.gguf', '--engine', 'llamacpp', '--hardware', 'rtx-3090', '--context', '2048'], g), 0);
  assert.match(g.out, /292\.80 K|292800/);
});
