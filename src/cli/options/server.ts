/**
 * Options for reaching an inference server: which adapter, TLS, cache reset, server metrics and telemetry.
 * (`--api` lives with the target options in run.ts; with --server auto and no explicit --api the adapter picks:
 * chat where the server has an OpenAI-style endpoint, else native.)
 * `serverOptionsFrom(values)` turns parsed values into the option objects createServerTarget / createMonitors take.
 */
import { intAtLeast, type OptionDef, OptionValueError } from '../option.js';
import { type Problem } from '../../core/errors.js';
import { type ServerTargetOptions } from '../../targets/servers.js';
import { SERVER_KINDS } from '../../targets/kinds.js';
import { type MonitorOptions, type TelemetryChoice } from '../../monitors/create.js';

const GROUP = 'Server';
const MONITOR_GROUP = 'Server metrics and telemetry';

function parseUrlOrNone(raw: string): string {
  if (raw === 'none') return raw;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new OptionValueError(`'${raw}' is not an http(s) URL`, 'e.g. http://127.0.0.1:8000/metrics, or none');
  }
  return raw;
}

export const SERVER_OPTIONS: readonly OptionDef[] = [
  {
    name: 'server',
    kind: 'string',
    choices: SERVER_KINDS,
    default: 'auto',
    group: GROUP,
    description: 'Which server the target is. auto identifies it from /v1/models, /props, /api/version, /info and /v2, and records what it found and how.',
  },
  { name: 'ca-cert', kind: 'string', placeholder: 'FILE', group: GROUP, description: 'PEM CA certificate to trust for https targets (MindIE uses TLS by default).' },
  { name: 'client-cert', kind: 'string', placeholder: 'FILE', group: GROUP, description: 'PEM client certificate for mutual TLS (MindIE default).' },
  { name: 'client-key', kind: 'string', placeholder: 'FILE', group: GROUP, description: 'PEM private key of --client-cert.' },
  { name: 'insecure', kind: 'boolean', default: false, group: GROUP, description: "Don't verify the server's TLS certificate." },
  {
    name: 'max-event-bytes',
    kind: 'int',
    parse: intAtLeast(1024),
    default: 16777216,
    placeholder: 'BYTES',
    defaultText: '16777216 (16 MiB)',
    group: GROUP,
    description: 'Longest stream line or event accepted from the server; a longer one fails that request (parse error) instead of growing memory without end.',
  },
  {
    name: 'cache-reset',
    kind: 'boolean',
    default: true,
    group: GROUP,
    description: "Reset the server's prefix cache before each scenario where it has an endpoint for it (vLLM /reset_prefix_cache, SGLang /flush_cache, llama.cpp slot erase); --no-cache-reset keeps it.",
  },
  {
    name: 'metrics-url',
    kind: 'string',
    placeholder: 'URL|none',
    defaultText: "the server's own: /metrics (vLLM, SGLang, TGI, llama.cpp, LMDeploy), /prometheus/metrics (trtllm-serve), :8002/metrics (Triton)",
    parse: parseUrlOrNone,
    group: MONITOR_GROUP,
    description: 'Prometheus endpoint scraped during each scenario; none disables scraping. MindIE: its metricsPort URL.',
  },
  { name: 'sample-interval', kind: 'duration', default: 1000, placeholder: 'DURATION', defaultText: '1s', group: MONITOR_GROUP, description: 'How often server metrics and telemetry are sampled during a scenario.' },
  {
    name: 'telemetry',
    kind: 'string',
    choices: ['auto', 'none', 'nvidia-smi', 'rocm-smi', 'npu-smi'],
    default: 'auto',
    group: MONITOR_GROUP,
    description: 'GPU/NPU telemetry tool. auto tries nvidia-smi, rocm-smi and npu-smi when the server is on this machine (or --telemetry-cmd is given).',
  },
  {
    name: 'telemetry-cmd',
    kind: 'string',
    placeholder: 'CMD',
    group: MONITOR_GROUP,
    description: 'Prefix that runs the telemetry tool where the server runs, e.g. "ssh gpu-host" or "kubectl exec pod --".',
  },
  { name: 'dcgm-url', kind: 'string', placeholder: 'URL', parse: parseUrlOrNone, group: MONITOR_GROUP, description: "A DCGM exporter's metrics URL (e.g. http://host:9400/metrics) to read GPU telemetry from." },
];

/** The parsed values (camelCase keys) this module's options produce. */
export interface ServerOptionValues {
  server?: string;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  insecure?: boolean;
  maxEventBytes?: number;
  cacheReset?: boolean;
  metricsUrl?: string;
  sampleInterval?: number;
  telemetry?: string;
  telemetryCmd?: string;
  dcgmUrl?: string;
}

/** Everything but url/api/model/apiKey/headers/timeout/connections, which the run command owns. */
export function serverOptionsFrom(v: ServerOptionValues): {
  target: Pick<ServerTargetOptions, 'server' | 'tls' | 'maxEventBytes'>;
  monitors: MonitorOptions;
  cacheReset: boolean;
} {
  const tls = { caCert: v.caCert, clientCert: v.clientCert, clientKey: v.clientKey, insecure: v.insecure ?? false };
  return {
    target: { server: (v.server ?? 'auto') as ServerTargetOptions['server'], tls, maxEventBytes: v.maxEventBytes },
    monitors: {
      metricsUrl: v.metricsUrl ?? null,
      sampleIntervalMs: v.sampleInterval ?? 1000,
      telemetry: (v.telemetry ?? 'auto') as TelemetryChoice,
      telemetryCmd: v.telemetryCmd ?? null,
      dcgmUrl: v.dcgmUrl ?? null,
      tls,
    },
    cacheReset: v.cacheReset ?? true,
  };
}

/** Combinations the parser cannot see: reported with every other option problem, before anything is sent. */
export function serverOptionProblems(v: ServerOptionValues): Problem[] {
  const p: Problem[] = [];
  if (v.clientCert && !v.clientKey) p.push({ where: '--client-cert', message: 'needs --client-key', hint: 'give the private key of the client certificate with --client-key FILE' });
  if (v.clientKey && !v.clientCert) p.push({ where: '--client-key', message: 'needs --client-cert', hint: 'give the client certificate with --client-cert FILE' });
  if (v.telemetryCmd && v.telemetry === 'none') p.push({ where: '--telemetry-cmd', message: 'has no effect with --telemetry none', hint: 'drop one of them' });
  if (v.sampleInterval !== undefined && v.sampleInterval < 50) p.push({ where: '--sample-interval', message: `${v.sampleInterval} ms is too short to sample a server and its GPUs`, hint: 'use 100ms or more (default 1s)' });
  return p;
}
