/**
 * Scrapes a server's Prometheus endpoint every interval during a scenario and summarises the window with that
 * server's metric table (src/monitors/server-metrics/).
 */
import { type Clock } from '../core/clock.js';
import { type Monitor, type MonitorReport, type StopContext } from './monitor.js';
import { parsePrometheusText, type PromScrape } from './prometheus.js';
import { Sampler } from './sampler.js';
import { prefixCacheWarnings, summarizeServerMetrics, type ServerMetricTable } from './server-metrics/index.js';

export type FetchText = (url: string) => Promise<string>;

/** Why a server may not serve metrics, for the notice. */
const ENABLE_HINT: Record<string, string> = {
  sglang: 'start SGLang with --enable-metrics',
  llamacpp: 'start llama-server with --metrics',
  lmdeploy: 'LMDeploy serves /metrics unless --disable-metrics (older versions need --enable-metrics)',
  trtllm: 'trtllm-serve serves /prometheus/metrics only with return_perf_metrics enabled',
  triton: 'Triton serves metrics on --metrics-port (8002) unless --allow-metrics=false',
  mindie: 'MindIE needs MIES_SERVICE_MONITOR_MODE=1 and its metricsPort in --metrics-url',
};

export class ServerMetricsMonitor implements Monitor {
  readonly name = 'server_metrics' as const;
  private readonly sampler: Sampler<PromScrape>;
  private readonly reported = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly table: ServerMetricTable,
    private readonly model: string | null,
    clock: Clock,
    intervalMs: number,
    fetchText: FetchText,
  ) {
    this.sampler = new Sampler(clock, intervalMs, async () => parsePrometheusText(await fetchText(url)));
  }

  async start(): Promise<void> {
    await this.sampler.start();
  }

  async stop(ctx: StopContext = {}): Promise<MonitorReport> {
    const samples = await this.sampler.stop();
    const r = summarizeServerMetrics(
      this.table,
      samples.map((s) => ({ t_ms: s.t_ms, scrape: s.value })),
      this.model,
    );
    const notices: string[] = [];
    const errs = this.sampler.errors.splice(0);
    if (errs.length) {
      const msg = `could not scrape ${this.url} (${errs.length} time${errs.length > 1 ? 's' : ''}): ${errs[0]}${ENABLE_HINT[this.table.server] ? `; ${ENABLE_HINT[this.table.server]}` : ''}`;
      const key = `scrape:${errs[0]}`;
      if (!this.reported.has(key)) notices.push(msg);
      this.reported.add(key);
    } else if (samples.length && Object.keys(r.sources).length === 0 && !this.reported.has('unknown')) {
      this.reported.add('unknown');
      notices.push(`${this.url} answered but none of the known ${this.table.server} metric names were in it`);
    }
    return {
      name: this.name,
      source: this.url,
      summary: r.summary,
      series: r.series,
      notices,
      metric_sources: r.sources,
      warnings: prefixCacheWarnings(r.summary, { salted: ctx.salted ?? false }),
    };
  }
}
