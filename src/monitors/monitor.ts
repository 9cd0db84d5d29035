/**
 * Monitors sample something beside the requests during each scenario: a server's Prometheus metrics, GPU/NPU
 * telemetry. The runner calls `start()` before a scenario's first request and `stop()` after its last, and stores
 * the reports in `scenarios[].server_metrics` / `scenarios[].telemetry`. Sampling runs on unref'd timers and never
 * awaits anything on the request path; a failed sample becomes a notice, never a run failure.
 */
import { type Warning } from '../core/result.js';
import { type DeviceSummary } from './telemetry/summarize.js';

export interface SeriesPoint {
  /** Run-clock ms (RunClock.now()) when the sample was taken. */
  t_ms: number;
  [field: string]: number | string | null;
}

export interface MonitorReport {
  /** 'server_metrics' or 'telemetry'. */
  name: 'server_metrics' | 'telemetry';
  /** Where the figures came from: the metrics URL, 'nvidia-smi', 'ssh gpu1 nvidia-smi', 'dcgm http://…'; null when none. */
  source: string | null;
  /** Scenario figures; null where not measured (tool missing, metric not exported), never 0. */
  summary: Record<string, number | null>;
  series: SeriesPoint[];
  /** Human notes (missing tool, failed scrape); each distinct one is reported once per run. */
  notices: string[];
  /** Telemetry: one summary per device. */
  devices?: DeviceSummary[];
  /** Findings the runner should add to the scenario's warnings (prefix cache hit by a random workload). */
  warnings?: Warning[];
  /** Server metrics: the Prometheus name each canonical series was read from. */
  metric_sources?: Record<string, string>;
}

export interface StopContext {
  /** Output tokens generated in the scenario (for energy per output token). */
  outputTokens?: number | null;
  /** The workload's prompts were salted/random: a prefix-cache hit is then suspicious. */
  salted?: boolean;
}

export interface Monitor {
  readonly name: MonitorReport['name'];
  /** Once, before the first scenario: telemetry takes the idle reading that "memory above idle" is measured from. */
  prepare?(): Promise<void>;
  start(): Promise<void>;
  stop(ctx?: StopContext): Promise<MonitorReport>;
  close?(): Promise<void>;
}

export { createMonitors, type MonitorOptions } from './create.js';
