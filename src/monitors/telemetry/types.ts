/**
 * One reading of one accelerator. Memory in bytes, power in W, utilisation in percent (0–100), energy in J.
 * A field the tool did not report (`[N/A]`, missing key, unsupported sentinel) is null, never 0.
 */
export interface DeviceSample {
  /** Stable id within the host: the tool's index (`0`, `card0` → `0`, NPU id). */
  id: string;
  name: string | null;
  memory_used_bytes: number | null;
  memory_total_bytes: number | null;
  utilization_pct: number | null;
  power_w: number | null;
  /** Cumulative energy counter when the source has one (DCGM), J. */
  energy_j?: number | null;
  temperature_c?: number | null;
}

/** A telemetry source: runs its tool once and parses the readings. */
export interface TelemetrySource {
  /** 'nvidia-smi' | 'rocm-smi' | 'npu-smi' | 'dcgm' */
  readonly name: string;
  sample(): Promise<DeviceSample[]>;
}

export const MIB = 1024 * 1024;
