/** Options of `llmbench run` that the core owns: target, workload, load, output. */
import { intAtLeast, type OptionDef, OptionValueError, parseDurationMs, parseJsonObject, parseNumber } from '../option.js';
import { parseLength } from '../../workloads/synthetic.js';
import { parseStartAt, RUN_DEFAULTS, TRACE_FORMATS } from '../../runner/config.js';
import { parseShare } from '../../schedules/partition.js';
import { durationMs } from '../../core/duration.js';

const T = 'Target';
const W = 'Workload';
const L = 'Load';
const O = 'Output';

const positiveInt = intAtLeast(1);
const nonNegativeInt = intAtLeast(0);
const positiveNumber = (raw: string) => {
  const v = parseNumber(raw, false);
  if (!(v > 0)) throw new OptionValueError(`${raw} must be greater than 0`);
  return v;
};
const length = (raw: string) => {
  try {
    const l = parseLength(raw);
    if (l.min < 1) throw new Error(`${raw}: a length must be at least 1 token`);
    return l;
  } catch (e) {
    throw new OptionValueError((e as Error).message, 'e.g. --input-tokens 128,1024 or 100-300');
  }
};

export const TARGET_OPTIONS: OptionDef[] = [
  { name: 'target', kind: 'string', placeholder: 'URL', group: T, description: 'server base URL, with or without /v1; without it, llmbench benchmarks its embedded engine (no server needed)', defaultText: 'the embedded engine' },
  { name: 'api', kind: 'string', choices: ['chat', 'completions', 'native'], default: 'chat', group: T, description: 'API style: OpenAI /v1/chat/completions, /v1/completions, or the server\'s own protocol; for the embedded engine, chat applies the model\'s chat template and completions (its default) sends the raw prompt' },
  { name: 'model', kind: 'list', placeholder: 'NAME[,NAME...]', group: T, description: 'model name on the server, or a .gguf path for the embedded engine (a comma list compares models)', defaultText: 'first model from /v1/models; embedded: a small random-weights model' },
  { name: 'api-key', kind: 'string', secret: true, env: ['LLMBENCH_API_KEY', 'OPENAI_API_KEY'], placeholder: 'KEY', group: T, description: 'API key sent as a Bearer token; never written to any output' },
  { name: 'header', kind: 'list', repeatable: true, placeholder: "'K: V'", group: T, description: 'extra HTTP header, repeatable; values are not recorded' },
  { name: 'temperature', kind: 'number', placeholder: 'T', group: T, description: 'sampling temperature', defaultText: 'the server default' },
  { name: 'extra-body', kind: 'string', placeholder: 'JSON', group: T, description: 'JSON object merged into every request body', parse: parseJsonObject },
  { name: 'tokenizer', kind: 'string', placeholder: 'PATH', group: T, description: 'local tokenizer (tokenizer.json or .gguf) for exact prompt lengths when the server has no tokenize endpoint' },
  { name: 'timeout', kind: 'duration', default: RUN_DEFAULTS.timeoutMs, defaultText: '10m', placeholder: 'DURATION', group: T, description: 'per-request limit: a request with no response or a stalled stream past it fails as a timeout' },
];

export const WORKLOAD_OPTIONS: OptionDef[] = [
  { name: 'input-tokens', kind: 'list', placeholder: 'A,B,...', group: W, parse: length, description: 'synthetic prompts of exactly this many tokens (the model sees, template included); a range 100-300 draws per request', defaultText: String(RUN_DEFAULTS.inputTokens) },
  { name: 'output-tokens', kind: 'list', placeholder: 'C,D,...', group: W, parse: length, description: 'generate exactly this many tokens (max_tokens plus ignore_eos/min_tokens where the server accepts them); multiplies the grid with --input-tokens', defaultText: String(RUN_DEFAULTS.outputTokens) },
  { name: 'prompts', kind: 'string', placeholder: 'FILE', group: W, description: 'your own prompts: plain text (one per line) or JSONL with "prompt" or "messages"' },
  { name: 'shared-prefix', kind: 'int', default: RUN_DEFAULTS.sharedPrefix, placeholder: 'N', group: W, parse: nonNegativeInt, description: 'first N tokens shared by every synthetic prompt (prefix-cache studies); by default every prompt is salted so no cache can flatter the numbers' },
  { name: 'prefix-groups', kind: 'int', placeholder: 'G', group: W, parse: positiveInt, description: 'with --shared-prefix N: G distinct N-token prefixes, each request drawing one (uniformly, or by --prefix-weights)', defaultText: String(RUN_DEFAULTS.prefixGroups) },
  { name: 'prefix-weights', kind: 'list', placeholder: 'W1,W2,...', group: W, parse: positiveNumber, description: 'relative weight of each prefix group (one positive number per group)', defaultText: 'uniform' },
  { name: 'trace', kind: 'string', placeholder: 'FILE', group: W, description: 'replay a request trace: each request at its time, with its input and output lengths (and Mooncake prefix sharing); --requests defaults to the whole trace' },
  { name: 'trace-format', kind: 'string', choices: [...TRACE_FORMATS], placeholder: 'mooncake|azure|burstgpt', group: W, description: 'the --trace file\'s format: Mooncake JSONL, Azure LLM inference CSV, or BurstGPT CSV' },
  { name: 'trace-time-scale', kind: 'number', placeholder: 'X', group: W, parse: positiveNumber, description: 'divide the trace\'s times by X (2 replays it twice as fast)', defaultText: String(RUN_DEFAULTS.traceTimeScale) },
  { name: 'trace-block-size', kind: 'int', placeholder: 'N', group: W, parse: positiveInt, description: 'tokens per Mooncake hash id (block)', defaultText: String(RUN_DEFAULTS.traceBlockSize) },
  { name: 'trace-limit', kind: 'int', placeholder: 'K', group: W, parse: positiveInt, description: 'replay only the trace\'s first K requests (in time order)', defaultText: 'all' },
  { name: 'max-tokens', kind: 'int', placeholder: 'N', group: W, parse: positiveInt, description: 'cap on output tokens for prompt files and datasets (natural length up to this cap)' },
  { name: 'conversations', kind: 'string', placeholder: 'FILE', group: W, description: 'multi-turn sessions from a ShareGPT (JSON or JSONL) or OpenAI-messages (JSONL) file, read as a stream; turn k sends turns 1..k with the model\'s real earlier answers; --requests counts sessions' },
  { name: 'turns', kind: 'string', choices: ['first', 'all'], placeholder: 'first|all', group: W, description: 'with --conversations: every turn as a session (all), or each conversation\'s first user/answer pair only (first, as vLLM\'s sharegpt dataset)', defaultText: RUN_DEFAULTS.turns },
  { name: 'synthetic-conversations', kind: 'int', placeholder: 'N', group: W, parse: positiveInt, description: 'N synthetic multi-turn sessions of exact-length turns (no file)' },
  { name: 'turns-per-session', kind: 'int', placeholder: 'K', group: W, parse: positiveInt, description: 'turns of each synthetic session', defaultText: String(RUN_DEFAULTS.turnsPerSession) },
  { name: 'turn-input-tokens', kind: 'int', placeholder: 'A', group: W, parse: positiveInt, description: 'new user tokens in each synthetic turn (the whole prompt grows with the history)', defaultText: String(RUN_DEFAULTS.turnInputTokens) },
  { name: 'turn-output-tokens', kind: 'int', placeholder: 'B', group: W, parse: positiveInt, description: 'forced output tokens of each synthetic turn', defaultText: String(RUN_DEFAULTS.turnOutputTokens) },
];

export const LOAD_OPTIONS: OptionDef[] = [
  { name: 'concurrency', short: 'c', kind: 'list', placeholder: 'N[,M...]', group: L, parse: positiveInt, description: 'closed loop: N requests in flight; a list runs one scenario per value. With --rate: a cap on requests in flight', defaultText: 'sequential (1)' },
  { name: 'rate', kind: 'list', placeholder: 'R[,S...]', group: L, parse: positiveNumber, description: 'open loop: requests per second (one scenario per value)' },
  { name: 'arrival', kind: 'string', default: 'poisson', placeholder: 'poisson|constant|gamma:SHAPE', group: L, description: 'arrival process for --rate; gamma shape < 1 is burstier, > 1 smoother', parse: parseArrival },
  { name: 'batch', kind: 'boolean', group: L, description: 'send all requests of a scenario at once' },
  { name: 'requests', short: 'n', kind: 'int', placeholder: 'N', group: L, parse: positiveInt, description: 'requests per scenario (and per repeat)', defaultText: '10, or 4×concurrency, or 10 s worth at --rate; a prompt file or dataset: all its items' },
  { name: 'duration', kind: 'duration', placeholder: 'DURATION', group: L, description: 'run each scenario for this long (e.g. 30s) instead of a request count; in-flight requests then finish within --timeout' },
  { name: 'warmup', kind: 'int', default: RUN_DEFAULTS.warmup, placeholder: 'N', group: L, parse: nonNegativeInt, description: 'requests sent first and not counted (kept in requests.jsonl with "warmup": true)' },
  { name: 'repeat', kind: 'int', default: RUN_DEFAULTS.repeat, placeholder: 'K', group: L, parse: positiveInt, description: 'repeat each scenario K times and report the spread across repeats' },
  { name: 'seed', kind: 'int', default: RUN_DEFAULTS.seed, placeholder: 'N', group: L, description: 'seed for prompts and arrival times' },
  { name: 'slo', kind: 'string', placeholder: 'ttft:200ms,tpot:50ms,e2e:5s', group: L, description: 'service-level objectives: requests meeting all of them count toward goodput', parse: parseSlo },
  { name: 'measure-window', kind: 'string', placeholder: 'START,END', group: L, parse: parseMeasureWindow, description: 'count only requests sent from START to END after each scenario\'s timed phase starts (e.g. 10s,70s: no ramp-up, no drain); the others stay in requests.jsonl; duration_s and throughputs are over the window', defaultText: 'every request' },
  { name: 'stop-when-saturated', kind: 'boolean', group: L, description: 'with --rate or --trace: stop a scenario early once the requests in flight and TTFT both keep growing (the server cannot keep up); records saturated and saturated_at_ms (docs/metrics.md)' },
  { name: 'think-time', kind: 'string', placeholder: 'DURATION|exp:DURATION', group: L, parse: parseThinkTime, description: 'conversations: pause between a session\'s turns, fixed or exponential with that mean (exp:2s); with conversations --concurrency counts sessions at once and --rate new sessions per second', defaultText: 'none' },
];

export const OUTPUT_OPTIONS: OptionDef[] = [
  { name: 'out', kind: 'string', default: RUN_DEFAULTS.out, placeholder: 'DIR', group: O, description: 'where result folders are written' },
  { name: 'name', kind: 'string', placeholder: 'LABEL', group: O, description: 'label for this run (folder prefix, history filter)', defaultText: 'the target kind' },
  { name: 'percentiles', kind: 'list', placeholder: 'P,...', group: O, description: 'extra percentiles beside p50/p75/p90/p99 (e.g. 95,99.9)', parse: (r) => {
    const v = parseNumber(r, false);
    if (v <= 0 || v >= 100) throw new OptionValueError(`${r} must be between 0 and 100`);
    return v;
  } },
  { name: 'save-text', kind: 'boolean', default: RUN_DEFAULTS.saveText, group: O, description: 'keep each request\'s generated text in requests.jsonl (--no-save-text to drop it)' },
];

/** Many machines (docs/scale.md): each process sends its share of one schedule, all from one instant. */
export const SHARD_OPTIONS: OptionDef[] = [
  { name: 'shard', kind: 'string', placeholder: 'I/N', group: 'Shards', description: 'send only shard I of N (0-based) of the schedule: open loop, request i when i mod N = I; closed loop, the streams j mod N = I; conversations by whole session the same way; needs --start-at; merge the shards\' folders with llmbench merge', parse: (raw) => {
    try {
      return parseShare(raw);
    } catch (e) {
      throw new OptionValueError((e as Error).message, 'e.g. --shard 0/3 (shards 0, 1 and 2 of 3)');
    }
  } },
  { name: 'start-at', kind: 'string', placeholder: 'TIME', group: 'Shards', description: 'wall-clock instant the first scenario starts (ISO 8601 with a zone, or epoch ms); later scenarios start together through a barrier in --out', parse: (raw) => {
    try {
      parseStartAt(raw);
      return raw;
    } catch (e) {
      throw new OptionValueError((e as Error).message, 'e.g. 2026-12-03T10:00:00Z or 1796292000000');
    }
  } },
  { name: 'workers', kind: 'string', placeholder: 'N|auto', group: 'Shards', description: 'divide this process\'s load among N worker processes (auto: one per core but one), all on one schedule: the same arrival times, request indexes and prompts as one process (conversations divided by whole session); server targets only', defaultText: '1 (this process)', parse: (raw) => {
    if (raw.trim() === 'auto') return 'auto';
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isInteger(v) || v < 1) throw new OptionValueError(`'${raw}' is not a whole number ≥ 1 nor auto`, 'e.g. --workers 4, or --workers auto (one per core but one)');
    return v;
  } },
  { name: 'lead-time', kind: 'duration', default: RUN_DEFAULTS.leadTimeMs, defaultText: '60s', placeholder: 'DURATION', group: 'Shards', description: 'a --start-at further in the past than this is a usage error (a shard that starts that late would not be sending the same load)' },
];

/** `10s,70s` → { startMs, endMs }: durations from the timed phase's start, the end after the start. */
export function parseMeasureWindow(raw: string): { startMs: number; endMs: number } {
  const parts = raw.split(',').map((x) => x.trim());
  const hint = 'write START,END as durations from the scenario\'s timed-phase start, e.g. 10s,70s';
  if (parts.length !== 2) throw new OptionValueError(`'${raw}' is not START,END`, hint);
  const [a, b] = parts.map((x) => durationMs(x));
  if (a === null || a === undefined || b === null || b === undefined) throw new OptionValueError(`'${raw}': ${a === null ? parts[0] : parts[1]} is not a duration`, hint);
  if (b <= a) throw new OptionValueError(`'${raw}': the end must come after the start`, hint);
  return { startMs: a, endMs: b };
}

/** `2s` (fixed) or `exp:2s` (exponential with a 2 s mean) → ThinkTime. */
export function parseThinkTime(raw: string): { kind: 'fixed' | 'exp'; ms: number } {
  const exp = raw.startsWith('exp:');
  return { kind: exp ? 'exp' : 'fixed', ms: parseDurationMs(exp ? raw.slice(4) : raw) };
}

export function parseArrival(raw: string): { kind: 'poisson' } | { kind: 'constant' } | { kind: 'gamma'; shape: number } {
  if (raw === 'poisson' || raw === 'constant') return { kind: raw };
  const m = /^gamma:(\d+(?:\.\d+)?)$/.exec(raw);
  if (m && Number(m[1]) > 0) return { kind: 'gamma', shape: Number(m[1]) };
  throw new OptionValueError(`'${raw}' is not an arrival process`, 'use poisson, constant or gamma:SHAPE (e.g. gamma:0.5)');
}

export function parseSlo(raw: string): { ttft_ms?: number; tpot_ms?: number; e2e_ms?: number } {
  const out: Record<string, number> = {};
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(ttft|tpot|e2e|e2el):(\d+(?:\.\d+)?)(ms|s)?$/.exec(part);
    if (!m) throw new OptionValueError(`'${part}' is not an SLO`, 'write e.g. ttft:200ms,tpot:50ms,e2e:5s');
    const v = Number(m[2]) * (m[3] === 's' ? 1000 : 1);
    out[m[1] === 'e2el' ? 'e2e_ms' : `${m[1]}_ms`] = v;
  }
  return out;
}
