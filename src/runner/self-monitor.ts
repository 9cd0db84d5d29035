/**
 * llmbench watches itself during every scenario: event-loop delay (a blocked loop delays every timestamp it
 * takes) and its own CPU time. When the loop was late by more than the threshold at p99, or the process used
 * nearly a whole core, the scenario is flagged: the client, not the server, may have limited or distorted it.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { type Warning } from '../core/result.js';

export interface ClientReport {
  event_loop_delay_p50_ms: number | null;
  event_loop_delay_p99_ms: number | null;
  event_loop_delay_max_ms: number | null;
  cpu_s: number;
  cpu_utilization: number | null;
  cpu_us_per_output_token: number | null;
  limited: boolean;
}

/** p99 event-loop delay above which measured latencies may be off by as much (ms). */
export const LOOP_DELAY_LIMIT_MS = 10;
/** Share of one core above which the client may have throttled the run. */
export const CPU_LIMIT = 0.9;

/** The histogram records each timer interval, not the excess over it (measured: idle p50 ≈ the resolution). */
const RESOLUTION_MS = 10;

export class SelfMonitor {
  private h: IntervalHistogram;
  private cpu0 = process.cpuUsage();
  private t0 = performance.now();
  constructor() {
    this.h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.h.enable();
  }

  stop(outputTokens: number): { report: ClientReport; warnings: Warning[] } {
    this.h.disable();
    const cpu = process.cpuUsage(this.cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const wall = (performance.now() - this.t0) / 1000;
    const ns = (v: number) => (Number.isFinite(v) && v > 0 ? Math.max(0, v / 1e6 - RESOLUTION_MS) : null);
    const p99 = this.h.count ? ns(this.h.percentile(99)) : null;
    const util = wall > 0 ? cpuS / wall : null;
    const report: ClientReport = {
      event_loop_delay_p50_ms: this.h.count ? ns(this.h.percentile(50)) : null,
      event_loop_delay_p99_ms: p99,
      event_loop_delay_max_ms: this.h.count ? ns(this.h.max) : null,
      cpu_s: cpuS,
      cpu_utilization: util,
      cpu_us_per_output_token: outputTokens > 0 ? (cpuS * 1e6) / outputTokens : null,
      limited: false,
    };
    const warnings: Warning[] = [];
    if (p99 !== null && p99 > LOOP_DELAY_LIMIT_MS) {
      report.limited = true;
      warnings.push({ code: 'CLIENT_EVENT_LOOP_DELAY', message: `llmbench's event loop was delayed by up to ${p99.toFixed(1)} ms (p99): timestamps may be late by as much`, hint: 'lower --concurrency per process, or run llmbench on a machine that is not also running the server' });
    }
    if (util !== null && util > CPU_LIMIT) {
      report.limited = true;
      warnings.push({ code: 'CLIENT_CPU_BOUND', message: `llmbench used ${(util * 100).toFixed(0)}% of a core: the client may have limited this scenario`, hint: 'the client is the bottleneck; see bench/ for its measured ceiling' });
    }
    return { report, warnings };
  }
}
