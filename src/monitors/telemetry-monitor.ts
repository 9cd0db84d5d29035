/**
 * GPU/NPU telemetry during a scenario, from the first source that answers (nvidia-smi, rocm-smi, npu-smi, or a
 * DCGM exporter). No source → every figure null and one notice for the whole run, never zeros.
 */
import { type Clock } from '../core/clock.js';
import { type Monitor, type MonitorReport, type SeriesPoint, type StopContext } from './monitor.js';
import { Sampler } from './sampler.js';
import { ToolMissing } from './telemetry/sources.js';
import { summarizeTelemetry } from './telemetry/summarize.js';
import { type DeviceSample, type TelemetrySource } from './telemetry/types.js';

const NULL_SUMMARY = summarizeTelemetry([], null, null).summary;

export class TelemetryMonitor implements Monitor {
  readonly name = 'telemetry' as const;
  private source: TelemetrySource | null = null;
  private resolved = false;
  private idle: DeviceSample[] | null = null;
  private sampler: Sampler<DeviceSample[]> | null = null;
  private pendingNotices: string[] = [];

  /**
   * @param candidates tried in order; the first whose sample lists at least one device is used for the run.
   * @param label how the source is described in results (`ssh gpu1 nvidia-smi`).
   */
  constructor(
    private readonly candidates: TelemetrySource[],
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly describe: (s: TelemetrySource) => string = (s) => s.name,
    initialNotices: string[] = [],
  ) {
    this.pendingNotices.push(...initialNotices);
  }

  private async resolve(): Promise<void> {
    if (this.resolved) return;
    this.resolved = true;
    const tried: string[] = [];
    for (const c of this.candidates) {
      try {
        const devs = await c.sample();
        if (devs.length) {
          this.source = c;
          this.idle = devs;
          return;
        }
        tried.push(`${this.describe(c)}: no devices listed`);
      } catch (e) {
        tried.push(e instanceof ToolMissing ? `${this.describe(c)}: not found` : `${this.describe(c)}: ${(e as Error).message}`);
      }
    }
    if (this.candidates.length) this.pendingNotices.push(`no GPU/NPU telemetry (${tried.join('; ')}); memory, utilisation and power are null. For a remote server use --telemetry-cmd "ssh HOST" or --dcgm-url`);
  }

  /** Takes the idle reading (before any request), which "memory above idle" is measured from. */
  async prepare(): Promise<void> {
    await this.resolve();
  }

  async start(): Promise<void> {
    await this.resolve();
    if (!this.source) return;
    const src = this.source;
    this.sampler = new Sampler(this.clock, this.intervalMs, () => src.sample());
    await this.sampler.start();
  }

  async stop(ctx: StopContext = {}): Promise<MonitorReport> {
    const notices = this.pendingNotices.splice(0);
    if (!this.source || !this.sampler) return { name: this.name, source: null, summary: { ...NULL_SUMMARY, devices: null }, series: [], notices, devices: [] };
    const samples = await this.sampler.stop();
    const errs = this.sampler.errors.splice(0);
    if (errs.length) notices.push(`${errs.length} telemetry sample(s) failed: ${errs[0]}`);
    const s = summarizeTelemetry(
      samples.map((x) => ({ t_ms: x.t_ms, devices: x.value })),
      this.idle,
      ctx.outputTokens ?? null,
    );
    const series: SeriesPoint[] = samples.flatMap((x) =>
      x.value.map((d) => ({ t_ms: x.t_ms, device: d.id, memory_used_bytes: d.memory_used_bytes, utilization_pct: d.utilization_pct, power_w: d.power_w })),
    );
    return { name: this.name, source: this.describe(this.source), summary: s.summary, series, notices, devices: s.devices };
  }
}
