/**
 * Periodic sampling on an unref'd timer: one sample at start (awaited: it is the window's baseline), one per
 * interval (skipped while the previous one is still running, so a slow tool never piles up), one at stop.
 */
import { type Clock } from '../core/clock.js';

export class Sampler<T> {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private samples: Array<{ t_ms: number; value: T }> = [];
  readonly errors: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly take: () => Promise<T>,
  ) {}

  private async once(): Promise<void> {
    const t = this.clock.now();
    try {
      const value = await this.take();
      this.samples.push({ t_ms: t, value });
    } catch (e) {
      this.errors.push((e as Error).message);
    }
  }

  private tick(): void {
    if (this.inFlight) return;
    this.inFlight = this.once().finally(() => (this.inFlight = null));
  }

  async start(): Promise<void> {
    this.samples = [];
    await this.once();
    this.timer = setInterval(() => this.tick(), Math.max(10, this.intervalMs));
    this.timer.unref();
  }

  async stop(): Promise<Array<{ t_ms: number; value: T }>> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight;
    await this.once();
    const out = this.samples;
    this.samples = [];
    return out;
  }
}
