/**
 * Picks the monitors for a run from the options and the target: server metrics at --metrics-url or else the URL the
 * target declares (the caller passes `ServerTarget.defaultMetricsUrl`: where a server serves its metrics is the
 * target's knowledge, and monitors do not import targets), and telemetry from the local tools, a --telemetry-cmd wrapper, or --dcgm-url.
 */
import { type Clock } from '../core/clock.js';
import { HttpClient, type TlsOptions } from '../net/http.js';
import { type TargetInfo } from '../core/target-info.js';
import { type Monitor } from './monitor.js';
import { type FetchText, ServerMetricsMonitor } from './server-metrics-monitor.js';
import { metricTableFor } from './server-metrics/index.js';
import { dcgmSource, npuSmiSource, nvidiaSmiSource, rocmSmiSource, splitCommand, type RunOptions } from './telemetry/sources.js';
import { type TelemetrySource } from './telemetry/types.js';
import { TelemetryMonitor } from './telemetry-monitor.js';

export type TelemetryChoice = 'auto' | 'none' | 'nvidia-smi' | 'rocm-smi' | 'npu-smi';

export interface MonitorOptions {
  /** --metrics-url: a URL, 'none' to disable, or undefined for `defaultMetricsUrl`. */
  metricsUrl?: string | null;
  /** Where the target serves its Prometheus metrics by default (`ServerTarget.defaultMetricsUrl`); null/absent: none. */
  defaultMetricsUrl?: string | null;
  /** --sample-interval, ms. */
  sampleIntervalMs: number;
  /** --telemetry: which tool; 'auto' tries nvidia-smi, rocm-smi, npu-smi in turn. */
  telemetry?: TelemetryChoice;
  /** --telemetry-cmd: wrapper prefix for the tools, e.g. `ssh gpu-host`. */
  telemetryCmd?: string | null;
  /** --dcgm-url: a DCGM exporter's /metrics. */
  dcgmUrl?: string | null;
  /** TLS and headers for scraping (MindIE's metrics port speaks the same mutual TLS as its API). */
  tls?: TlsOptions;
  headers?: Record<string, string>;
  /** For tests: how a URL is fetched. */
  fetchText?: FetchText;
  /** Timeout per tool run or scrape, ms (default 5000). */
  toolTimeoutMs?: number;
}

const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

function isLocal(url: string | null): boolean {
  if (!url) return true; // the embedded engine runs here
  try {
    return LOCAL.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** GET a URL's text through the shared transport (TLS options honoured); non-200 is an error. */
export function httpFetchText(opts: { tls?: TlsOptions; headers?: Record<string, string>; timeoutMs: number }): FetchText {
  const clients = new Map<string, HttpClient>();
  return async (url: string) => {
    const u = new URL(url);
    let c = clients.get(u.origin);
    if (!c) {
      c = new HttpClient({ baseUrl: u.origin, headers: opts.headers ?? {}, timeoutMs: opts.timeoutMs, connections: 1, tls: opts.tls });
      clients.set(u.origin, c);
    }
    const r = await c.json('GET', `${u.pathname}${u.search}`);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    return r.text;
  };
}

export function createMonitors(opts: MonitorOptions, target: TargetInfo, clock: Clock): Monitor[] {
  const monitors: Monitor[] = [];
  const timeoutMs = opts.toolTimeoutMs ?? 5000;
  const fetchText = opts.fetchText ?? httpFetchText({ tls: opts.tls, headers: opts.headers, timeoutMs });

  const metricsUrl = opts.metricsUrl === 'none' ? null : (opts.metricsUrl ?? opts.defaultMetricsUrl ?? null);
  if (metricsUrl) monitors.push(new ServerMetricsMonitor(metricsUrl, metricTableFor(target.kind), target.model || null, clock, opts.sampleIntervalMs, fetchText));

  const choice = opts.telemetry ?? 'auto';
  if (choice === 'none') return monitors;
  const notices: string[] = [];
  const candidates: TelemetrySource[] = [];
  if (opts.dcgmUrl) candidates.push(dcgmSource(opts.dcgmUrl, fetchText));
  const wrapper = opts.telemetryCmd ? splitCommand(opts.telemetryCmd) : [];
  const run: RunOptions = { wrapper, timeoutMs };
  // Local tools measure *this* machine: for a remote server they are only used when asked for explicitly.
  const local = isLocal(target.url) || wrapper.length > 0 || choice !== 'auto';
  if (local) {
    if (choice === 'auto' || choice === 'nvidia-smi') candidates.push(nvidiaSmiSource(run));
    if (choice === 'auto' || choice === 'rocm-smi') candidates.push(rocmSmiSource(run));
    if (choice === 'auto' || choice === 'npu-smi') candidates.push(npuSmiSource(run));
  } else if (!opts.dcgmUrl) {
    notices.push(`no GPU/NPU telemetry: the server (${target.url}) is not on this machine; use --telemetry-cmd "ssh HOST" to run nvidia-smi/rocm-smi/npu-smi there, or --dcgm-url`);
  }
  const describe = (s: TelemetrySource) => (s.name === 'dcgm' ? `dcgm ${opts.dcgmUrl}` : [...wrapper, s.name].join(' '));
  monitors.push(new TelemetryMonitor(candidates, clock, opts.sampleIntervalMs, describe, notices));
  return monitors;
}

/** What the runner's `OpenedTarget.monitors(scenarioId)` hands back (src/runner/run.ts). */
export interface ScenarioMonitors {
  start(): Promise<void>;
  /** `{ server_metrics?, telemetry? }`: merged into the scenario's result object. */
  stop(outputTokens: number): Promise<Record<string, unknown>>;
}

/**
 * Creates the run's monitors, takes the idle telemetry reading (before any request), and returns the per-scenario
 * factory the runner calls. `salted`: the workload's prompts are random, so a prefix-cache hit is suspicious.
 */
export async function openScenarioMonitors(opts: MonitorOptions, target: TargetInfo, clock: Clock, ctx: { salted: boolean }): Promise<((scenarioId: string) => ScenarioMonitors) | null> {
  const monitors = createMonitors(opts, target, clock);
  if (!monitors.length) return null;
  for (const m of monitors) await m.prepare?.();
  return () => ({
    start: async () => {
      for (const m of monitors) await m.start();
    },
    stop: async (outputTokens: number) => {
      const out: Record<string, unknown> = {};
      for (const m of monitors) out[m.name] = await m.stop({ outputTokens, salted: ctx.salted });
      return out;
    },
  });
}
