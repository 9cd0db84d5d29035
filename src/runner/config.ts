/**
 * RunConfig: everything one `llmbench run` needs, as plain JSON (no CLI types, no functions). The CLI maps its
 * flags onto it (src/cli/run-config.ts), a sweep plan builds one per point, a library user writes one by hand;
 * `runBenchmark(config)` (./benchmark.ts) runs it. Absent fields take the defaults in RUN_DEFAULTS, which are the
 * defaults of the `llmbench run` flags of the same name (the option table reads them from here).
 *
 * Lists multiply: every `inputTokens` × `outputTokens` × load value × model/engine value is one scenario, as on
 * the command line. Relative paths resolve against the caller's working directory (RunIO.cwd).
 */
import { type Problem } from '../core/errors.js';
import { type MeasureWindow, type Slo } from '../metrics/summarize.js';
import { type Arrival } from '../schedules/schedule.js';
import { type Share } from '../schedules/partition.js';
import { type ApiStyle } from '../targets/target.js';
import { type LengthSpec, parseLength } from '../workloads/synthetic.js';
import { qualityConfigProblems } from './quality-config.js';
import { type ThinkTime } from './sessions.js';

/** A prompt or output length: 128, "100-300" (drawn per request) or { min, max }. */
export type LengthInput = number | string | LengthSpec;

export interface RunConfig {
  /** Server base URL (with or without /v1); absent or null: the embedded engine, in-process. */
  target?: string | null;
  /** chat, completions or native; absent: the server adapter picks (chat where it can), completions embedded. */
  api?: ApiStyle | null;
  /** Server: the one model name to ask for. Embedded: .gguf paths or hf: references; several compare models. */
  models?: string[];
  /** Sent as a Bearer token; recorded only as "<set>". */
  apiKey?: string | null;
  /** Extra HTTP headers; values are not recorded. */
  headers?: Record<string, string>;
  temperature?: number | null;
  /** Merged into every request body. */
  extraBody?: Record<string, unknown>;
  /** A local tokenizer.json or .gguf for exact prompt lengths when the server cannot tokenize. */
  tokenizer?: string | null;
  /** Per request: no response or a stalled stream past it fails as a timeout. */
  timeoutMs?: number;
  server?: ServerConfig;
  workload?: WorkloadConfig;
  quality?: QualityConfig;
  engine?: EngineSettings;
  load?: LoadConfig;
  output?: OutputConfig;
  /** Hardware preset or spec for MBU/MFU (`llmbench estimate --hardware`). */
  hardware?: string | null;
  /** The served model's shape for MBU/MFU: a config.json, a .gguf or a preset name. */
  modelShape?: string | null;
  /**
   * This process sends only its share of the schedule (--shard I/N, docs/scale.md): open loop, request i when
   * i mod N = I; closed loop, streams j mod N = I. Needs `startAt` so the shards start together.
   */
  shard?: Share | null;
  /** Wall-clock instant the first timed phase starts (--start-at): ISO 8601 or epoch ms. */
  startAt?: string | number | null;
  /** How far in the past `startAt` may be before it is refused, ms (--lead-time; default 60 s). */
  leadTimeMs?: number;
  /**
   * Worker processes that divide this process's load (--workers, docs/scale.md): a number, or 'auto' for
   * max(1, cores − 1). Absent or 1: everything is sent from this process. Server targets only.
   */
  workers?: number | 'auto';
}

/** The keys a shard's recorded configuration has beyond the plan all shards share (`llmbench merge` ignores them). */
export const SHARD_KEYS = ['shard', 'startAt', 'leadTimeMs', 'workers'] as const;

export interface ServerConfig {
  /** Adapter: auto (detect), openai, vllm, sglang, lmdeploy, trtllm, triton, tgi, llamacpp, ollama, mindie. */
  kind?: string;
  caCert?: string | null;
  clientCert?: string | null;
  clientKey?: string | null;
  insecure?: boolean;
  /** Reset the server's prefix cache before each scenario where it can. */
  cacheReset?: boolean;
  /** Prometheus URL, 'none', or absent for the server's own. */
  metricsUrl?: string | null;
  sampleIntervalMs?: number;
  telemetry?: 'auto' | 'none' | 'nvidia-smi' | 'rocm-smi' | 'npu-smi';
  telemetryCmd?: string | null;
  dcgmUrl?: string | null;
  /** Largest stream event accepted from the server (--max-event-bytes), bytes. */
  maxEventBytes?: number;
}

export interface WorkloadConfig {
  /** Synthetic prompts of exactly these lengths (template included). Default [128] unless prompts/dataset. */
  inputTokens?: LengthInput[];
  /** Forced output lengths. Default [128] for synthetic prompts; natural length otherwise. */
  outputTokens?: LengthInput[];
  /** A prompt file: plain text, one per line, or JSONL with "prompt" or "messages". */
  prompts?: string | null;
  /** Tokens shared by the start of every synthetic prompt. */
  sharedPrefix?: number;
  /** Output cap for prompt files and datasets. */
  maxTokens?: number | null;
  /** Multi-turn sessions from a ShareGPT (JSON or JSONL) or OpenAI-messages (JSONL) file (docs/workloads.md). */
  conversations?: string | null;
  /** 'all' (default): every turn, with the real earlier answers as history; 'first': the first turn only. */
  turns?: 'first' | 'all';
  /** Synthetic sessions: this many, of `turnsPerSession` turns of `turnInputTokens` new user tokens each. */
  syntheticConversations?: number | null;
  turnsPerSession?: number;
  turnInputTokens?: number;
  turnOutputTokens?: number;
  /** --prefix-groups: `sharedPrefix` tokens drawn from this many distinct prefixes (default 1). */
  prefixGroups?: number;
  /** --prefix-weights: one positive weight per prefix group (absent: uniform). */
  prefixWeights?: number[] | null;
  /** Trace replay (--trace, docs/workloads.md): requests at the trace's times with its lengths and prefixes. */
  trace?: TraceConfig | null;
}

export interface TraceConfig {
  /** The trace file (--trace). */
  path: string;
  /** --trace-format. */
  format: 'mooncake' | 'azure' | 'burstgpt';
  /** --trace-time-scale: the trace's times are divided by it (2 = twice as fast); default 1. */
  timeScale?: number;
  /** --trace-block-size: tokens per Mooncake hash id; default 512. */
  blockSize?: number;
  /** --trace-limit: replay only the first K requests. */
  limit?: number | null;
}

/** Keys as the `llmbench run` quality flags (docs/quality.md). */
export interface QualityConfig {
  dataset?: 'gsm8k' | 'jsonl' | null;
  datasetPath?: string | null;
  datasetLimit?: number | null;
  shots?: number;
  shotsPath?: string | null;
  promptField?: string;
  answerField?: string;
  scoring?: 'exact' | 'number';
  perplexity?: string | null;
  perplexityWindow?: number | null;
  perplexityStride?: number | null;
}

/** Embedded engine; each list multiplies the grid (docs/engine.md). Rejected with a server target. */
export interface EngineSettings {
  threads?: number[];
  batchSize?: number[];
  contextSize?: number[];
  gpuLayers?: number[];
  kvCacheType?: Array<'f16' | 'q8_0' | 'q4_0'>;
  flashAttention?: 'auto' | 'on' | 'off';
  /** 'auto', 'none' or CPU numbers to pin the engine process to. */
  cpus?: 'auto' | 'none' | number[];
}

export interface LoadConfig {
  /** Closed loop, one scenario per value (1 = sequential). With `rate`: one value, a cap. */
  concurrency?: number[];
  /** Open loop, requests per second, one scenario per value. */
  rate?: number[];
  arrival?: Arrival;
  /** Send every request of a scenario at once. */
  batch?: boolean;
  /** Requests per scenario and repeat; absent: 10, 4 × concurrency, 10 s worth of --rate, or a file's size. */
  requests?: number | null;
  /** Run each scenario this long instead of a request count. */
  durationMs?: number | null;
  warmup?: number;
  repeat?: number;
  seed?: number;
  slo?: Slo | null;
  /** Conversations: pause between a session's turns, fixed or exponential with that mean. */
  thinkTime?: ThinkTime | null;
  /** Count only requests sent in [START, END) after each timed phase starts (--measure-window), ms. */
  measureWindow?: MeasureWindow | null;
  /** Open loop only: stop a scenario once in-flight requests and TTFT keep growing (--stop-when-saturated). */
  stopWhenSaturated?: boolean;
}

export interface OutputConfig {
  /** Where result folders are made. */
  out?: string;
  /** Run label (folder prefix); absent: the target kind. */
  name?: string | null;
  /** Extra percentiles beside p50/p75/p90/p99. */
  percentiles?: number[];
  /** Keep generated text in requests.jsonl. */
  saveText?: boolean;
}

/** Defaults of absent fields; the `llmbench run` flags show and use the same values. */
export const RUN_DEFAULTS = {
  timeoutMs: 600_000,
  serverKind: 'auto',
  insecure: false,
  /** 16 MiB: a stream line or event longer than this fails its request instead of growing memory. */
  maxEventBytes: 16 * 1024 * 1024,
  cacheReset: true,
  sampleIntervalMs: 1000,
  telemetry: 'auto',
  inputTokens: 128,
  outputTokens: 128,
  sharedPrefix: 0,
  kvCacheType: 'f16',
  flashAttention: 'auto',
  engineCpus: 'auto',
  arrival: { kind: 'poisson' } as Arrival,
  warmup: 0,
  repeat: 1,
  seed: 0,
  out: 'results',
  saveText: true,
  leadTimeMs: 60_000,
  turns: 'all',
  turnsPerSession: 4,
  turnInputTokens: 128,
  turnOutputTokens: 128,
  prefixGroups: 1,
  traceTimeScale: 1,
  traceBlockSize: 512,
} as const;

/** A --start-at value as epoch ms: digits are epoch ms, anything else must be an ISO 8601 instant with a zone. */
export function parseStartAt(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${v} is not an instant`);
    return v;
  }
  const raw = v.trim();
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  // Without Z or an offset, Date.parse reads local time: shards in different zones would disagree.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) throw new Error(`'${raw}' is not an ISO 8601 instant with a time zone, nor epoch milliseconds`);
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new Error(`'${raw}' is not a valid instant`);
  return t;
}

/** A LengthInput as a LengthSpec; throws Error naming the problem. */
export function toLength(l: LengthInput): LengthSpec {
  if (typeof l === 'number') {
    if (!Number.isInteger(l)) throw new Error(`${l} is not a whole number of tokens`);
    return { min: l, max: l };
  }
  if (typeof l === 'string') return parseLength(l);
  if (l && Number.isInteger(l.min) && Number.isInteger(l.max) && l.max >= l.min) return { min: l.min, max: l.max };
  throw new Error(`${JSON.stringify(l)} is not a length`);
}

const isInt = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;

/**
 * Problems that need no file or network: combinations and ranges (quality settings included). `where` names the `llmbench run` flag of the
 * same meaning, so CLI users and library users read the same message.
 */
export function runConfigProblems(c: RunConfig, now: number = Date.now()): Problem[] {
  const p: Problem[] = [];
  p.push(...shardProblems(c, now));
  p.push(...workersProblems(c));
  const w = c.workload ?? {};
  const q = c.quality ?? {};
  const l = c.load ?? {};
  const target = c.target ?? null;
  if (target !== null) {
    try {
      const u = new URL(target);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    } catch {
      p.push({ where: '--target', message: `'${target}' is not an http(s) URL`, hint: 'e.g. http://127.0.0.1:8000' });
    }
  }
  if (c.api !== undefined && c.api !== null && !['chat', 'completions', 'native'].includes(c.api)) p.push({ where: '--api', message: `'${String(c.api)}' is not one of chat, completions, native` });
  if (target && (c.models?.length ?? 0) > 1) p.push({ where: '--model', message: 'a server run takes one model', hint: 'run once per model, then llmbench compare' });
  if (target) {
    for (const [k, flag] of ENGINE_FLAGS) {
      if (c.engine?.[k] !== undefined) p.push({ where: `--${flag}`, message: 'applies to the embedded engine only', hint: 'set engine options on the server itself, or drop --target to benchmark the embedded engine' });
    }
  }
  for (const [key, flag] of [['inputTokens', '--input-tokens'], ['outputTokens', '--output-tokens']] as const) {
    for (const x of w[key] ?? []) {
      try {
        if (toLength(x).min < 1) p.push({ where: flag, message: `${JSON.stringify(x)}: a length must be at least 1 token` });
      } catch (e) {
        p.push({ where: flag, message: (e as Error).message, hint: 'e.g. 128, "100-300" or { "min": 100, "max": 300 }' });
      }
    }
  }
  if (w.prompts && w.inputTokens?.length) p.push({ where: '--prompts', message: 'cannot be combined with --input-tokens', hint: 'use one workload per run' });
  if (q.dataset) {
    for (const [flag, set] of [['--prompts', w.prompts], ['--input-tokens', w.inputTokens?.length], ['--output-tokens', w.outputTokens?.length]] as const) {
      if (set) p.push({ where: flag, message: 'cannot be combined with --dataset', hint: 'a dataset brings its own prompts; outputs keep their natural length, capped with --max-tokens' });
    }
  }
  const conc = l.concurrency ?? [];
  const rates = l.rate ?? [];
  for (const x of conc) if (!isInt(x, 1)) p.push({ where: '--concurrency', message: `${x} is not a whole number ≥ 1` });
  for (const x of rates) if (!(typeof x === 'number' && x > 0)) p.push({ where: '--rate', message: `${x} must be greater than 0` });
  if (l.batch && (conc.length || rates.length)) p.push({ where: '--batch', message: 'cannot be combined with --concurrency or --rate', hint: '--batch already sends every request of a scenario at once' });
  if (rates.length && conc.length > 1) p.push({ where: '--concurrency', message: 'with --rate it is a cap and takes one value', hint: 'e.g. --rate 2,4,8 --concurrency 64' });
  const requests = l.requests ?? null;
  const duration = l.durationMs ?? null;
  if (requests !== null && !isInt(requests, 1)) p.push({ where: '--requests', message: `${requests} is not a whole number ≥ 1` });
  if (duration !== null && !(typeof duration === 'number' && duration > 0)) p.push({ where: '--duration', message: `${duration} ms is not a duration` });
  if (requests !== null && duration !== null) p.push({ where: '--duration', message: 'cannot be combined with --requests', hint: 'bound each scenario by a count or by time, not both' });
  if (duration !== null && l.batch) p.push({ where: '--duration', message: 'cannot be combined with --batch', hint: 'a batch is a fixed number of requests: use --requests' });
  if (l.arrival && !rates.length) p.push({ where: '--arrival', message: 'only applies to --rate' });
  if (l.warmup !== undefined && !isInt(l.warmup, 0)) p.push({ where: '--warmup', message: `${l.warmup} is not a whole number ≥ 0` });
  if (l.repeat !== undefined && !isInt(l.repeat, 1)) p.push({ where: '--repeat', message: `${l.repeat} is not a whole number ≥ 1` });
  if (w.sharedPrefix !== undefined && !isInt(w.sharedPrefix, 0)) p.push({ where: '--shared-prefix', message: `${w.sharedPrefix} is not a whole number ≥ 0` });
  p.push(...steadyStateProblems(c));
  p.push(...conversationProblems(c));
  p.push(...prefixGroupProblems(c));
  p.push(...traceProblems(c));
  p.push(...qualityConfigProblems(q));
  const s = c.server ?? {};
  if (s.clientCert && !s.clientKey) p.push({ where: '--client-cert', message: 'needs --client-key', hint: 'give the private key of the client certificate with --client-key FILE' });
  if (s.clientKey && !s.clientCert) p.push({ where: '--client-key', message: 'needs --client-cert', hint: 'give the client certificate with --client-cert FILE' });
  if (s.telemetryCmd && s.telemetry === 'none') p.push({ where: '--telemetry-cmd', message: 'has no effect with --telemetry none', hint: 'drop one of them' });
  if (s.sampleIntervalMs !== undefined && s.sampleIntervalMs < 50) p.push({ where: '--sample-interval', message: `${s.sampleIntervalMs} ms is too short to sample a server and its GPUs`, hint: 'use 100ms or more (default 1s)' });
  return p;
}

/** --shard, --start-at, --lead-time: a share that exists, a start instant not too far in the past. */
function shardProblems(c: RunConfig, now: number): Problem[] {
  const p: Problem[] = [];
  const sh = c.shard ?? null;
  if (sh !== null) {
    if (!isInt(sh.count, 1) || !isInt(sh.index, 0)) p.push({ where: '--shard', message: `${JSON.stringify(sh)} is not a shard`, hint: 'e.g. --shard 0/3 (shards 0, 1 and 2 of 3)' });
    else if (sh.index >= sh.count) p.push({ where: '--shard', message: `${sh.index}/${sh.count}: shards are numbered 0 to ${sh.count - 1}`, hint: `e.g. --shard ${sh.count - 1}/${sh.count}` });
    if (c.startAt === undefined || c.startAt === null) p.push({ where: '--shard', message: 'needs --start-at', hint: 'every shard must start at one shared instant, e.g. --start-at 2026-12-03T10:00:00Z' });
    if (!c.target) p.push({ where: '--shard', message: 'applies to server targets only', hint: 'shards on several machines load one server: give --target' });
  }
  const lead = c.leadTimeMs ?? RUN_DEFAULTS.leadTimeMs;
  if (!(typeof lead === 'number' && lead >= 0)) p.push({ where: '--lead-time', message: `${lead} ms is not a duration` });
  if (c.startAt !== undefined && c.startAt !== null) {
    try {
      const t = parseStartAt(c.startAt);
      if (t < now - lead) p.push({ where: '--start-at', message: `${new Date(t).toISOString()} is ${((now - t) / 1000).toFixed(1)} s in the past, more than the lead time (${lead / 1000} s)`, hint: 'render a new start instant (llmbench k8s job --start-in), or raise --lead-time' });
    } catch (e) {
      p.push({ where: '--start-at', message: (e as Error).message, hint: 'e.g. 2026-12-03T10:00:00Z or 1796292000000' });
    }
  }
  return p;
}

/** --measure-window: two durations, the end after the start; per-request scenarios only. */
function steadyStateProblems(c: RunConfig): Problem[] {
  const p: Problem[] = [];
  const l = c.load ?? {};
  const w = l.measureWindow ?? null;
  if (w !== null) {
    const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!w || !ok(w.startMs) || !ok(w.endMs)) p.push({ where: '--measure-window', message: `${JSON.stringify(w)} is not a window`, hint: 'e.g. --measure-window 10s,70s (from each scenario\'s timed-phase start)' });
    else if (w.endMs <= w.startMs) p.push({ where: '--measure-window', message: `the end (${w.endMs} ms) must come after the start (${w.startMs} ms)`, hint: 'e.g. --measure-window 10s,70s' });
    // Sessions are scheduled by their own runner (./sessions.ts), which does not stamp the phase start.
    if (c.workload?.conversations || c.workload?.syntheticConversations) p.push({ where: '--measure-window', message: 'cannot be combined with conversations yet', hint: 'measure conversations whole (each summary\'s window_ms shows the span counted)' });
  }
  if (l.stopWhenSaturated) {
    // A trace replay is an open loop too (its arrivals run in the same branch as --rate's), so it can saturate.
    if (!(l.rate ?? []).length && !c.workload?.trace) p.push({ where: '--stop-when-saturated', message: 'applies to open loops only (--rate or --trace)', hint: 'a closed loop cannot over-saturate: its clients wait for answers; use e.g. --rate 2,4,8 --stop-when-saturated' });
    if (c.workload?.conversations || c.workload?.syntheticConversations) p.push({ where: '--stop-when-saturated', message: 'cannot be combined with conversations yet', hint: 'run conversations without it' });
  }
  return p;
}

/** --workers: a whole number ≥ 1 or 'auto', server targets only (conversations are divided whole by session). */
function workersProblems(c: RunConfig): Problem[] {
  const p: Problem[] = [];
  const n = c.workers;
  if (n === undefined || n === null) return p;
  if (n !== 'auto' && !isInt(n, 1)) p.push({ where: '--workers', message: `${JSON.stringify(n)} is not a whole number ≥ 1 nor auto`, hint: 'e.g. --workers 4, or --workers auto (one per core but one)' });
  if (!c.target) p.push({ where: '--workers', message: 'applies to server targets only', hint: 'the embedded engine runs in one process: give --target to load a server from several workers' });
  const w = c.workload ?? {};
  // Each worker would judge saturation on its own share only; one verdict needs the samples of all of them.
  if (c.load?.stopWhenSaturated && n !== 1) p.push({ where: '--workers', message: 'cannot be combined with --stop-when-saturated yet: the detector needs the requests in flight of every worker', hint: 'run --stop-when-saturated from one process (drop --workers)' });
  return p;
}

/** The number of worker processes `workers` means here: 'auto' is max(1, cores − 1). */
export function resolveWorkers(workers: number | 'auto' | null | undefined, cores: number): number {
  if (workers === 'auto') return Math.max(1, cores - 1);
  return workers ?? 1;
}

/** Engine settings and the flags that set them, for "applies to the embedded engine only". */
const ENGINE_FLAGS: ReadonlyArray<readonly [keyof EngineSettings, string]> = [
  ['threads', 'threads'],
  ['batchSize', 'batch-size'],
  ['contextSize', 'context-size'],
  ['gpuLayers', 'gpu-layers'],
  ['kvCacheType', 'kv-cache-type'],
  ['flashAttention', 'flash-attention'],
  ['cpus', 'engine-cpus'],
];

/** The configuration as results.json records it: the API key only as "<set>", header values redacted. */
export function recordedConfig(c: RunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(c));
  if ('apiKey' in out) out.apiKey = c.apiKey ? '<set>' : null;
  if (c.headers) out.headers = Object.fromEntries(Object.keys(c.headers).map((k) => [k, '<redacted>']));
  return out;
}

/** Conversation settings: ranges, and what a session workload cannot be combined with. */
function conversationProblems(c: RunConfig): Problem[] {
  const p: Problem[] = [];
  const w = c.workload ?? {};
  const l = c.load ?? {};
  const file = w.conversations ?? null;
  const synth = w.syntheticConversations ?? null;
  if (w.turns !== undefined && w.turns !== 'first' && w.turns !== 'all') p.push({ where: '--turns', message: `'${String(w.turns)}' is not one of first, all` });
  if (synth !== null && !isInt(synth, 1)) p.push({ where: '--synthetic-conversations', message: `${synth} is not a whole number ≥ 1` });
  for (const [k, flag] of [['turnsPerSession', '--turns-per-session'], ['turnInputTokens', '--turn-input-tokens'], ['turnOutputTokens', '--turn-output-tokens']] as const) {
    if (w[k] !== undefined && !isInt(w[k], 1)) p.push({ where: flag, message: `${w[k]} is not a whole number ≥ 1` });
    else if (w[k] !== undefined && synth === null) p.push({ where: flag, message: 'only applies to --synthetic-conversations' });
  }
  if (w.turns !== undefined && !file) p.push({ where: '--turns', message: 'only applies to --conversations', hint: 'synthetic sessions take --turns-per-session' });
  const t = l.thinkTime ?? null;
  if (t !== null) {
    if (!t || (t.kind !== 'fixed' && t.kind !== 'exp') || !(typeof t.ms === 'number' && t.ms >= 0)) p.push({ where: '--think-time', message: `${JSON.stringify(t)} is not a think time`, hint: 'e.g. 2s, or exp:2s for exponential pauses with a 2 s mean' });
    if (!file && synth === null) p.push({ where: '--think-time', message: 'only applies to --conversations or --synthetic-conversations' });
  }
  if (!file && synth === null) return p;
  if (file && synth !== null) p.push({ where: '--conversations', message: 'cannot be combined with --synthetic-conversations', hint: 'use one workload per run' });
  const clash: Array<[string, unknown]> = [
    ['--prompts', w.prompts],
    ['--input-tokens', w.inputTokens?.length],
    ['--shared-prefix', w.sharedPrefix],
    ['--dataset', c.quality?.dataset],
    ['--warmup', l.warmup],
  ];
  if (synth !== null) clash.push(['--output-tokens', w.outputTokens?.length]);
  for (const [flag, set] of clash) if (set) p.push({ where: flag, message: `cannot be combined with ${file ? '--conversations' : '--synthetic-conversations'}`, hint: 'conversations bring their own prompts; --requests counts sessions' });
  return p;
}

/** --prefix-groups and --prefix-weights: a group count, one positive weight per group, a prefix to share. */
function prefixGroupProblems(c: RunConfig): Problem[] {
  const p: Problem[] = [];
  const w = c.workload ?? {};
  const g = w.prefixGroups;
  const weights = w.prefixWeights ?? null;
  if (g !== undefined && !isInt(g, 1)) p.push({ where: '--prefix-groups', message: `${g} is not a whole number ≥ 1` });
  if ((g !== undefined && g !== 1) || weights) {
    if (!((w.sharedPrefix ?? 0) > 0)) p.push({ where: g !== undefined && g !== 1 ? '--prefix-groups' : '--prefix-weights', message: 'needs --shared-prefix N (the length of each group\'s prefix)', hint: 'e.g. --shared-prefix 256 --prefix-groups 4' });
  }
  if (weights) {
    const groups = isInt(g, 1) ? g! : 1;
    if (!Array.isArray(weights) || weights.some((x) => !(typeof x === 'number' && x > 0 && Number.isFinite(x)))) p.push({ where: '--prefix-weights', message: `${JSON.stringify(weights)}: every weight must be a number greater than 0` });
    else if (weights.length !== groups) p.push({ where: '--prefix-weights', message: `${weights.length} weight${weights.length === 1 ? '' : 's'} for ${groups} prefix group${groups === 1 ? '' : 's'}`, hint: `give one weight per group, e.g. --prefix-groups ${weights.length}` });
  }
  return p;
}

/** --trace: its own settings, and the flags whose job the trace does (times, lengths, prompts). */
function traceProblems(c: RunConfig): Problem[] {
  const t = c.workload?.trace ?? null;
  if (!t) return [];
  const p: Problem[] = traceSettingProblems(t);
  const w = c.workload ?? {};
  const l = c.load ?? {};
  const clash: Array<[string, unknown, string]> = [
    ['--rate', l.rate?.length, 'the trace sets the arrival times (--trace-time-scale speeds them up or slows them down)'],
    ['--concurrency', l.concurrency?.length, 'the trace sets the arrival times; requests in flight follow them'],
    ['--batch', l.batch, 'the trace sets the arrival times'],
    ['--duration', l.durationMs !== undefined && l.durationMs !== null, 'a trace runs its requests: limit them with --trace-limit or --requests'],
    ['--input-tokens', w.inputTokens?.length, 'the trace gives every input length'],
    ['--output-tokens', w.outputTokens?.length, 'the trace gives every output length'],
    ['--max-tokens', w.maxTokens !== undefined && w.maxTokens !== null, 'the trace gives every output length'],
    ['--shared-prefix', w.sharedPrefix, 'Mooncake hash ids say which prompts share a prefix'],
    ['--prompts', w.prompts, 'use one workload per run'],
    ['--conversations', w.conversations, 'use one workload per run'],
    ['--synthetic-conversations', w.syntheticConversations !== undefined && w.syntheticConversations !== null, 'use one workload per run'],
    ['--dataset', c.quality?.dataset, 'use one workload per run'],
    ['--warmup', l.warmup, 'warmup requests would fill the prefix cache the trace measures; replay a --trace-limit run first instead'],
  ];
  for (const [flag, set, hint] of clash) if (set) p.push({ where: flag, message: 'cannot be combined with --trace', hint });
  return p;
}

/** The trace formats --trace-format reads (src/workloads/traces.ts); here so the option table stays import-free. */
export const TRACE_FORMATS: readonly string[] = ['mooncake', 'azure', 'burstgpt'];

/** Problems of the trace settings themselves (ranges); the file is read by the plan. */
function traceSettingProblems(t: { path?: unknown; format?: unknown; timeScale?: unknown; blockSize?: unknown; limit?: unknown }): Problem[] {
  const p: Problem[] = [];
  if (typeof t.path !== 'string' || !t.path) p.push({ where: '--trace', message: 'needs a file path' });
  if (!TRACE_FORMATS.includes(t.format as string)) p.push({ where: '--trace-format', message: t.format === undefined || t.format === null ? 'is required with --trace' : `'${String(t.format)}' is not one of ${TRACE_FORMATS.join(', ')}`, hint: 'e.g. --trace-format mooncake' });
  if (t.timeScale !== undefined && !(typeof t.timeScale === 'number' && t.timeScale > 0 && Number.isFinite(t.timeScale))) p.push({ where: '--trace-time-scale', message: `${String(t.timeScale)} must be a number greater than 0` });
  if (t.blockSize !== undefined && !(Number.isInteger(t.blockSize) && (t.blockSize as number) >= 1)) p.push({ where: '--trace-block-size', message: `${String(t.blockSize)} is not a whole number ≥ 1` });
  if (t.limit !== undefined && t.limit !== null && !(Number.isInteger(t.limit) && (t.limit as number) >= 1)) p.push({ where: '--trace-limit', message: `${String(t.limit)} is not a whole number ≥ 1` });
  return p;
}

