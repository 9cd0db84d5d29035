/**
 * How close a measured scenario came to the hardware limit (docs/estimate.md "On results").
 *
 * MBU = achieved bytes/s ÷ (peak bandwidth × devices). A decode step reads the weights (MoE: the experts the batch
 * touches) and every sequence's KV, so achieved bytes/s = (weight bytes per step + B × KV(s)) × steps/s, and steps/s
 * is the per-sequence decode rate (Databricks' MBU definition, estimation.md §4.3).
 * MFU = achieved FLOP/s ÷ (peak FLOP/s × devices). Prefill, when measured, is the compute-bound phase, so MFU uses
 * it: prefill tokens/s × (2·N_active + 2·L·n_q·(d_k+d_v)·S/2) per token. Otherwise decode: B × decode tokens/s ×
 * (2·N_active + 2·L·n_q·(d_k+d_v)·s). An unknown device (an unlisted CPU) gives null for both.
 */
import { nativeWeightDtype, parseKvDtype, parseWeightDtype } from './dtypes.js';
import { type HardwareSpec } from './hardware.js';
import { kvFootprint, sequenceBytes } from './kv.js';
import { countParams } from './params.js';
import { decodeFlopsPerToken, prefillFlops } from './roofline.js';
import { type ModelShape } from './shape.js';
import { weightBytes, weightBytesReadPerStep } from './weights.js';

export { modelShapeFromGguf } from './gguf-shape.js';
export { resolveHardware, findHardware, type HardwareSpec } from './hardware.js';

export interface MeasuredScenario {
  /** Decode tokens/s of one sequence (1000 / TPOT ms); null when not measured. */
  decode_tokens_per_s: number | null;
  /** Sequences decoding together (the scenario's concurrency). */
  concurrency: number;
  /** Prefill tokens/s of one request (input tokens ÷ TTFT); null when not measured. */
  prefill_tokens_per_s: number | null;
  /** Prompt length behind prefill_tokens_per_s; defaults to context_tokens. */
  input_tokens?: number | null;
  /** Mean tokens in context during decode (input + half the output is a good figure); null when not measured. */
  context_tokens: number | null;
  /** Peak memory the run measured (device memory, or process RSS for a CPU run); null when not measured. */
  peak_memory_bytes: number | null;
  /** Devices the model ran on (default 1). */
  devices?: number;
}

export interface EfficiencyOptions {
  /** Weight dtype name when the shape is not from a GGUF file (default: the checkpoint's). */
  dtype?: string | null;
  kvDtype?: string;
  /** Sequences the engine reserved KV for (llama.cpp: context × parallel); defaults to concurrency. */
  reservedSequences?: number;
  /** KV tokens reserved per sequence (llama.cpp `--context-size`); defaults to context_tokens. */
  reservedContext?: number;
}

export interface Efficiency {
  mbu: number | null;
  mfu: number | null;
  predicted_memory_bytes: number | null;
  measured_memory_bytes: number | null;
}

const positive = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

export function efficiency(shape: ModelShape, hw: HardwareSpec | null, m: MeasuredScenario, opts: EfficiencyOptions = {}): Efficiency {
  const params = countParams(shape);
  const wd = opts.dtype ? parseWeightDtype(opts.dtype) : shape.exact ? null : nativeWeightDtype(shape.nativeDtype);
  const weights = weightBytes(shape, params, wd);
  const kvd = parseKvDtype(opts.kvDtype ?? 'auto', shape.nativeDtype ?? (shape.exact ? 'f16' : null));
  const fp = kvFootprint(shape, kvd, 1, Math.max(2, kvd.bytesPerElement));
  const window = shape.slidingWindow ?? Infinity;
  const kvAt = (n: number) => sequenceBytes(fp, n, (t) => Math.min(t, window));
  const devices = Math.max(1, m.devices ?? 1);
  const batch = Math.max(1, m.concurrency);
  const ctx = m.context_tokens === null ? null : Math.max(0, m.context_tokens);

  let mbu: number | null = null;
  let mfu: number | null = null;
  if (hw && positive(hw.bandwidth_bytes_per_s) && positive(m.decode_tokens_per_s) && ctx !== null) {
    const bytesPerStep = weightBytesReadPerStep(shape, params, weights, batch, 1) + batch * kvAt(ctx);
    mbu = (bytesPerStep * m.decode_tokens_per_s) / (hw.bandwidth_bytes_per_s * devices);
  }
  if (hw && positive(hw.flops_per_s)) {
    const S = m.input_tokens ?? ctx;
    if (positive(m.prefill_tokens_per_s) && S !== null && S > 0) {
      mfu = ((prefillFlops(shape, params, S) / S) * m.prefill_tokens_per_s) / (hw.flops_per_s * devices);
    } else if (positive(m.decode_tokens_per_s) && ctx !== null) {
      mfu = (batch * m.decode_tokens_per_s * decodeFlopsPerToken(shape, params, ctx)) / (hw.flops_per_s * devices);
    }
  }
  const seqs = Math.max(1, opts.reservedSequences ?? batch);
  const reservedCtx = opts.reservedContext ?? ctx;
  return {
    mbu,
    mfu,
    predicted_memory_bytes: reservedCtx === null ? null : Math.ceil(weights.total + seqs * kvAt(reservedCtx)),
    measured_memory_bytes: positive(m.peak_memory_bytes) ? m.peak_memory_bytes : null,
  };
}
