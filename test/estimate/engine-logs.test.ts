/**
 * Exact checks against published engine logs. Each case quotes the log lines and cites where they were posted.
 * Engines print GiB (labelled "GB" or "GiB") rounded to 2 decimals; where a log gives only the rounded pool size,
 * the test checks that the logged block or token count lies inside what the rounding interval allows, and that the
 * logged count maps back to the logged size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimate, type EstimateInput } from '../../src/estimate/plan.js';
import { findPreset } from '../../src/estimate/presets.js';
import { resolveHardware } from '../../src/estimate/hardware.js';
import { modelShapeFromGguf } from '../../src/estimate/gguf-shape.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function run(over: Partial<EstimateInput> & { model: string }): ReturnType<typeof estimate> {
  const { model, ...rest } = over;
  return estimate({
    shape: findPreset(model)!, dtype: null, kvDtype: 'auto', hardware: resolveHardware('rtx-3090'), devices: 1, tp: 1, engine: 'vllm',
    context: 4096, concurrency: 1, inputTokens: 512, outputTokens: 128, knobs: {}, ...rest,
  });
}

/**
 * vllm-project/vllm#10517 (comment by kaspersiminski, 2024-12-02), Llama-3.1-8B-Instruct on an RTX 3090, vLLM V0:
 *   20k: "kv_cache_size=3.81GiB" "# GPU blocks: 1952" "Maximum concurrency for 20000 tokens per request: 1.56x"
 *   29k: "kv_cache_size=2.89GiB" "# GPU blocks: 1478" "Maximum concurrency for 29000 tokens per request: 0.82x"
 *        "The model's max seq len (29000) is larger than the maximum number of tokens that can be stored in KV cache (23648)"
 *   both: "total_gpu_memory=23.58GiB", "Loading model weights took 14.9888 GB"
 */
for (const [context, loggedGiB, blocks, ratio, fits] of [[20000, 3.81, 1952, '1.56', true], [29000, 2.89, 1478, '0.82', false]] as const) {
  test(`vLLM #10517: Llama-3.1-8B on RTX 3090 at ${context} tokens: ${blocks} blocks`, () => {
    // A block is 16 tokens × 131072 B = 2 MiB; the logged block count maps back to the logged pool size.
    assert.equal(((blocks * 16 * 131072) / GiB).toFixed(2), loggedGiB.toFixed(2));
    // From the rounded pool size, the formula brackets the logged count.
    const lo = run({ model: 'llama-3.1-8b', context, knobs: { kvMemory: loggedGiB - 0.005 } }).kv_cache.blocks!;
    const hi = run({ model: 'llama-3.1-8b', context, knobs: { kvMemory: loggedGiB + 0.005 } }).kv_cache.blocks!;
    assert.ok(lo <= blocks && blocks <= hi, `${blocks} not in [${lo}, ${hi}]`);
    // With the unrounded pool, everything the log prints follows exactly.
    const r = run({ model: 'llama-3.1-8b', context, knobs: { kvMemory: (blocks * 2 * MiB) / GiB } });
    assert.equal(r.kv_cache.bytes_per_token, 131072);
    assert.equal(r.kv_cache.blocks, blocks);
    assert.equal(r.kv_cache.max_tokens, blocks * 16);
    assert.equal(r.kv_cache.concurrency_ratio!.toFixed(2), ratio);
    assert.equal(r.kv_cache.pool_is_estimate, false);
    assert.equal(r.fits, fits);
    if (!fits) {
      assert.equal(r.kv_cache.max_tokens, 23648);
      assert.equal(r.suggested!['max_model_len'], 23648);
    }
    assert.equal(r.memory.device_bytes, Math.round(23.58 * GiB));
    // bf16 parameters are 14.957 GiB; vLLM's 14.9888 GB (GiB) includes buffers such as the rotary cache.
    assert.ok(Math.abs(r.weights.bytes_per_device / GiB - 14.9888) < 0.05);
  });
}

/**
 * ggml-org/llama.cpp#11200 (bitbottrap): a 64-layer Qwen2.5-32B-shaped model, q8_0 cache, two GPUs:
 *   "kv_size = 32768, offload = 1, type_k = 'q8_0', type_v = 'q8_0', n_layer = 64"
 *   "CUDA0 KV buffer size =  2788.00 MiB" "CUDA1 KV buffer size =  1564.00 MiB"
 *   "KV self size  = 4352.00 MiB, K (q8_0): 2176.00 MiB, V (q8_0): 2176.00 MiB"
 */
test('llama.cpp #11200: q8_0 KV for 32768 cells of a 64-layer GQA model is 4352 MiB', () => {
  const r = run({ model: 'qwen2.5-32b', engine: 'llamacpp', context: 32768, kvDtype: 'q8_0', hardware: resolveHardware('rtx-3090-ti') });
  assert.equal(r.kv_cache.pool_bytes_per_device, 4352 * MiB);
  assert.equal(r.kv_cache.pool_is_estimate, false);
  // q8_0 = 34 bytes per 32 elements; K alone is half.
  assert.equal(r.kv_cache.bytes_per_token / 2, 64 * 1024 * (34 / 32));
  // The two devices hold whole layers: 68 MiB each, 41 on CUDA0 and 23 on CUDA1.
  const perLayer = r.kv_cache.pool_bytes_per_device! / 64;
  assert.deepEqual([2788 * MiB / perLayer, 1564 * MiB / perLayer], [41, 23]);
});

/**
 * vllm-project/vllm#21348 (MMuzzammil1), Qwen3-235B-A22B-FP8 on 4×H100, SGLang:
 *   "KV Cache is allocated. #tokens: 367404, K size: 8.23 GB, V size: 8.23 GB"   (SGLang's "GB" is GiB)
 * 4 KV heads over TP 4 leave one head per rank: 94 layers × 128 × 2 B = 24064 B of K per token.
 */
test('SGLang #21348: Qwen3-235B-A22B at TP 4 holds 367404 tokens in 2 × 8.23 GiB', () => {
  const base = { model: 'qwen3-235b-a22b', engine: 'sglang' as const, tp: 4, devices: 4, hardware: resolveHardware('h100-sxm'), context: 8192 };
  const r = run(base);
  assert.equal(r.kv_cache.bytes_per_token, 48128);
  assert.equal(r.kv_cache.bytes_per_token_model, 4 * 48128);
  assert.equal(((367404 * 24064) / GiB).toFixed(2), '8.23');
  const lo = run({ ...base, knobs: { kvMemory: 2 * 8.225 } }).kv_cache.max_tokens!;
  const hi = run({ ...base, knobs: { kvMemory: 2 * 8.235 } }).kv_cache.max_tokens!;
  assert.ok(lo <= 367404 && 367404 <= hi, `367404 not in [${lo}, ${hi}]`);
  assert.equal(r.memory.knob!.value, 0.85); // SGLang's default mem_fraction_static at TP 4
});

/**
 * vllm-project/vllm#34076 (chizhiwei), Qwen3-Coder-30B-A3B (Qwen3-30B-A3B shape), vLLM 0.15:
 *   "To serve at least one request with the models's max seq len (262144), (24.0 GiB KV cache is needed,
 *    which is larger than the available KV cache memory (3.18 GiB). Based on the available memory, the estimated
 *    maximum model length is 34736."
 */
test('vLLM #34076: Qwen3-30B-A3B needs 24.0 GiB of KV for 262144 tokens; 3.18 GiB holds 34736', () => {
  const r = run({ model: 'qwen3-30b-a3b', context: 262144, hardware: resolveHardware('rtx-4090'), knobs: { kvMemory: 3.18 } });
  assert.equal(r.kv_cache.bytes_per_token, 98304);
  assert.equal(r.kv_cache.bytes_per_sequence, 24 * GiB);
  assert.equal(r.fits, false);
  const lo = run({ model: 'qwen3-30b-a3b', context: 262144, knobs: { kvMemory: 3.175 } }).kv_cache.max_tokens!;
  const hi = run({ model: 'qwen3-30b-a3b', context: 262144, knobs: { kvMemory: 3.185 } }).kv_cache.max_tokens!;
  assert.ok(lo <= 34736 && 34736 <= hi, `34736 not in [${lo}, ${hi}]`);
});

/** estimation.md §1.3: MLA caches (kv_lora_rank + qk_rope_head_dim) per layer, the same on every TP rank. */
test('DeepSeek-V3 MLA: 70,272 B per token in bf16, 35,136 in fp8, unchanged by TP', () => {
  const r1 = run({ model: 'deepseek-v3', hardware: resolveHardware('h200'), tp: 8, devices: 8 });
  assert.equal(r1.kv_cache.bytes_per_token, 70272);
  assert.equal(r1.kv_cache.bytes_per_token_model, 70272);
  assert.equal(run({ model: 'deepseek-v3', kvDtype: 'fp8', hardware: null }).kv_cache.bytes_per_token, 35136);
  assert.ok(r1.notes.some((n) => n.includes('MLA keeps the full latent')));
});

test('TP beyond the KV heads replicates them (Qwen2.5-7B has 4 KV heads)', () => {
  const at = (tp: number) => run({ model: 'qwen2.5-7b', tp, devices: tp, hardware: resolveHardware('a100-80gb') }).kv_cache.bytes_per_token;
  assert.deepEqual([at(1), at(2), at(4), at(8)], [57344, 28672, 14336, 14336]);
});

/**
 * Measured here: node-llama-cpp 3.21.1 (its bundled llama.cpp) with stories260K at contextSize 2048 logs
 *   "llama_kv_cache: size = 1.25 MiB ( 2048 cells, 5 layers, 1/1 seqs), K (f16): 0.62 MiB, V (f16): 0.62 MiB"
 * (5 layers × 2048 cells × 2 × 4 KV heads × 8 dims × 2 B = 1,310,720 B). The header gives the shape.
 */
test('llama.cpp KV buffer for stories260K at 2048 cells, from the GGUF header: 1.25 MiB', async () => {
  const shape = await modelShapeFromGguf('../shared/fixtures/models/stories260K.gguf');
  const r = estimate({ shape, dtype: null, kvDtype: 'f16', hardware: resolveHardware('mem=1GiB,bw=50GB/s,flops=1T'), devices: 1, tp: 1, engine: 'llamacpp', context: 2048, concurrency: 1, inputTokens: 128, outputTokens: 64, knobs: {} });
  assert.equal(r.kv_cache.pool_bytes_per_device, 1.25 * MiB);
  assert.equal(r.weights.bytes_total, 1_171_200);
  assert.equal(r.weights.exact, true);
  assert.equal(r.params.total, 292_800);
  assert.equal(r.fits, true);
});
