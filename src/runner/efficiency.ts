/**
 * How close each scenario came to the hardware limit: memory-bandwidth utilisation (MBU), model-FLOPs
 * utilisation (MFU) and predicted versus measured memory (issue 7 "On results"; formulas in docs/estimate.md).
 * Needs the model's shape (the GGUF the embedded engine runs, or --model-shape for a server) and the hardware
 * (--hardware, or a device name telemetry reported that matches a preset). An unlisted device, such as this
 * machine's CPU, has no published bandwidth or FLOP/s: MBU and MFU are then null, never 0.
 */
import { type ScenarioResult } from '../core/result.js';
import { efficiency, findHardware, type HardwareSpec } from '../estimate/efficiency.js';
import { type ModelShape } from '../estimate/shape.js';
import { num } from '../core/num.js';

export interface EfficiencyContext {
  shape: ModelShape;
  hardware: HardwareSpec | null;
  /** KV cells the engine reserved per sequence and the sequences it reserved them for (embedded engine). */
  reservedContext?: number;
  reservedSequences?: number;
  kvDtype?: string;
}


/** A device name from telemetry (e.g. "NVIDIA H100 80GB HBM3") matched to a hardware preset, if any. */
export function hardwareFromTelemetry(s: ScenarioResult): HardwareSpec | null {
  const tel = s.telemetry as { devices?: Array<{ name?: string }> } | undefined;
  for (const d of tel?.devices ?? []) {
    const hw = d.name ? findHardware(d.name) : null;
    if (hw) return hw;
  }
  return null;
}

export function addEfficiency(s: ScenarioResult, ctx: EfficiencyContext): void {
  const hw = ctx.hardware ?? hardwareFromTelemetry(s);
  const tpot = num(s.metrics.tpot_ms?.p50);
  const inMean = num(s.metrics.input_tokens?.mean);
  const outMean = num(s.metrics.output_tokens?.mean);
  // Prefill rate of one request: the engine's own prefill time when it measured one, else TTFT.
  const prefillMs = num(s.metrics.engine_prefill_ms?.mean) ?? num(s.metrics.ttft_ms?.mean);
  const mem = s.memory as Record<string, unknown> | undefined | null;
  const tel = s.telemetry as { summary?: Record<string, unknown> } | undefined;
  const peak = num(tel?.summary?.memory_used_peak_bytes) ?? num(mem?.engine_vram_bytes) ?? num(mem?.peak_rss_bytes);
  const e = efficiency(
    ctx.shape,
    hw,
    {
      decode_tokens_per_s: tpot !== null && tpot > 0 ? 1000 / tpot : null,
      concurrency: Math.max(1, Math.round(num(s.summary.mean_concurrency) ?? 1)),
      prefill_tokens_per_s: inMean !== null && prefillMs !== null && prefillMs > 0 ? inMean / (prefillMs / 1000) : null,
      input_tokens: inMean,
      // Unknown lengths leave the KV traffic unknown: MBU, and the memory prediction without a reserved context, stay null.
      context_tokens: inMean !== null && outMean !== null ? inMean + outMean / 2 : null,
      peak_memory_bytes: peak,
    },
    { reservedContext: ctx.reservedContext, reservedSequences: ctx.reservedSequences, kvDtype: ctx.kvDtype },
  );
  s.efficiency = { ...e, hardware: hw?.name ?? null, note: hw ? null : 'hardware bandwidth and FLOP/s unknown (pass --hardware): MBU and MFU not computed' };
}
