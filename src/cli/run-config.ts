/**
 * `llmbench run` flags → RunConfig, in one place, so anything that speaks in run's long option names (the run
 * command itself, a sweep plan) builds the same configuration. Only flags the user gave (or set through the
 * environment) are copied: absent fields take RUN_DEFAULTS, which are the flags' defaults.
 */
import { type Problem, UsageError } from '../core/errors.js';
import { type RunConfig, runConfigProblems } from '../runner/config.js';
import { type RunFlags } from '../sweep/run-flags.js';
import { type OptionDef, type ParsedArgs, parseArgs } from './option.js';
import { qualityConfigOf } from './options/quality.js';
import { RUN_OPTIONS } from './commands/run.js';

function parseHeaders(list: string[], problems: Problem[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (const raw of list) {
    const i = raw.indexOf(':');
    if (i <= 0) {
      problems.push({ where: '--header', message: `'${raw}' is not a header`, hint: "write it as --header 'Name: value'" });
      continue;
    }
    h[raw.slice(0, i).trim().toLowerCase()] = raw.slice(i + 1).trim();
  }
  return h;
}

/** Copies `values[key]` to `into[as]` when the flag was given; returns `into` for chaining. */
function pick<T extends object>(into: T, args: ParsedArgs, pairs: ReadonlyArray<readonly [flagKey: string, field: keyof T]>): T {
  for (const [k, f] of pairs) if (args.explicit.has(k) && args.values[k] !== undefined) (into as Record<keyof T, unknown>)[f] = args.values[k];
  return into;
}

function nonEmpty<T extends object>(o: T): T | undefined {
  return Object.keys(o).length ? o : undefined;
}

/**
 * The RunConfig the parsed flags of `llmbench run` describe, and the problems only the flags show (a header
 * without a colon). Combination problems come from runConfigProblems / runBenchmark.
 */
export function runConfigFromOptions(args: ParsedArgs): { config: RunConfig; problems: Problem[] } {
  const v = args.values;
  const problems: Problem[] = [];
  const config: RunConfig = pick({} as RunConfig, args, [
    ['target', 'target'],
    ['api', 'api'],
    ['model', 'models'],
    ['apiKey', 'apiKey'],
    ['temperature', 'temperature'],
    ['extraBody', 'extraBody'],
    ['tokenizer', 'tokenizer'],
    ['timeout', 'timeoutMs'],
    ['hardware', 'hardware'],
    ['modelShape', 'modelShape'],
    ['shard', 'shard'],
    ['startAt', 'startAt'],
    ['leadTime', 'leadTimeMs'],
    ['workers', 'workers'],
  ]);
  if (args.explicit.has('header')) config.headers = parseHeaders((v.header as string[] | undefined) ?? [], problems);
  const server = pick({} as NonNullable<RunConfig['server']>, args, [
    ['server', 'kind'],
    ['caCert', 'caCert'],
    ['clientCert', 'clientCert'],
    ['clientKey', 'clientKey'],
    ['insecure', 'insecure'],
    ['cacheReset', 'cacheReset'],
    ['metricsUrl', 'metricsUrl'],
    ['sampleInterval', 'sampleIntervalMs'],
    ['telemetry', 'telemetry'],
    ['telemetryCmd', 'telemetryCmd'],
    ['dcgmUrl', 'dcgmUrl'],
    ['maxEventBytes', 'maxEventBytes'],
  ]);
  const workload = pick({} as NonNullable<RunConfig['workload']>, args, [
    ['inputTokens', 'inputTokens'],
    ['outputTokens', 'outputTokens'],
    ['prompts', 'prompts'],
    ['sharedPrefix', 'sharedPrefix'],
    ['maxTokens', 'maxTokens'],
    ['conversations', 'conversations'],
    ['turns', 'turns'],
    ['syntheticConversations', 'syntheticConversations'],
    ['turnsPerSession', 'turnsPerSession'],
    ['turnInputTokens', 'turnInputTokens'],
    ['turnOutputTokens', 'turnOutputTokens'],
    ['prefixGroups', 'prefixGroups'],
    ['prefixWeights', 'prefixWeights'],
  ]);
  if (args.explicit.has('trace')) {
    workload.trace = pick({ path: v.trace as string } as NonNullable<typeof workload.trace>, args, [
      ['traceFormat', 'format'],
      ['traceTimeScale', 'timeScale'],
      ['traceBlockSize', 'blockSize'],
      ['traceLimit', 'limit'],
    ]);
  } else {
    for (const [k, flag] of [['traceFormat', '--trace-format'], ['traceTimeScale', '--trace-time-scale'], ['traceBlockSize', '--trace-block-size'], ['traceLimit', '--trace-limit']] as const) {
      if (args.explicit.has(k)) problems.push({ where: flag, message: 'only applies to --trace', hint: 'e.g. --trace requests.jsonl --trace-format mooncake' });
    }
  }
  const engine = pick({} as NonNullable<RunConfig['engine']>, args, [
    ['threads', 'threads'],
    ['batchSize', 'batchSize'],
    ['contextSize', 'contextSize'],
    ['gpuLayers', 'gpuLayers'],
    ['kvCacheType', 'kvCacheType'],
    ['flashAttention', 'flashAttention'],
    ['engineCpus', 'cpus'],
  ]);
  const load = pick({} as NonNullable<RunConfig['load']>, args, [
    ['concurrency', 'concurrency'],
    ['rate', 'rate'],
    ['arrival', 'arrival'],
    ['batch', 'batch'],
    ['requests', 'requests'],
    ['duration', 'durationMs'],
    ['warmup', 'warmup'],
    ['repeat', 'repeat'],
    ['seed', 'seed'],
    ['slo', 'slo'],
    ['thinkTime', 'thinkTime'],
    ['measureWindow', 'measureWindow'],
    ['stopWhenSaturated', 'stopWhenSaturated'],
  ]);
  const output = pick({} as NonNullable<RunConfig['output']>, args, [
    ['out', 'out'],
    ['name', 'name'],
    ['percentiles', 'percentiles'],
    ['saveText', 'saveText'],
  ]);
  const groups = { server, workload, quality: qualityConfigOf(v, args.explicit), engine, load, output };
  for (const [k, g] of Object.entries(groups)) {
    const x = nonEmpty(g);
    if (x) (config as Record<string, unknown>)[k] = x;
  }
  return { config, problems };
}

/**
 * `llmbench run` arguments (e.g. ['--target', URL, '--concurrency', '1,8']) → RunConfig; throws UsageError
 * with every problem, as `llmbench run` would report them. For callers that speak in run's flags (sweep).
 */
export function runConfigFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv = {}): RunConfig {
  const { args, problems } = parseArgs(argv, RUN_OPTIONS, env);
  if (args.positionals.length) problems.push({ where: args.positionals.join(' '), message: 'unexpected argument', hint: 'llmbench run takes no arguments' });
  const r = runConfigFromOptions(args);
  problems.push(...r.problems, ...runConfigProblems(r.config));
  if (problems.length) throw new UsageError(problems);
  return r.config;
}

/**
 * `{ 'input-tokens': [128, 1024], concurrency: 8, report: false }` (run's long option names, as a sweep plan
 * writes them) → `['--input-tokens', '128,1024', '--concurrency', '8', '--no-report']`, for runConfigFromArgv.
 * Lists join with commas, except repeatable flags (--header), which repeat.
 */
export function flagsToArgv(flags: Readonly<Record<string, unknown>>): string[] {
  const argv: string[] = [];
  const str = (x: unknown) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x));
  for (const [name, value] of Object.entries(flags)) {
    const def = findRunOption(name);
    if (value === undefined || value === null) continue;
    if (typeof value === 'boolean') argv.push(value ? `--${name}` : `--no-${name}`);
    else if (Array.isArray(value) && def?.repeatable) for (const v of value) argv.push(`--${name}`, str(v));
    else if (Array.isArray(value)) argv.push(`--${name}`, value.map(str).join(','));
    else argv.push(`--${name}`, str(value));
  }
  return argv;
}

function findRunOption(key: string): OptionDef | undefined {
  return RUN_OPTIONS.find((o) => o.name === key || o.aliases?.includes(key));
}

/**
 * `llmbench run`'s options for the sweep (src/sweep/run-flags.ts): a plan's benchmark keys are checked by run's
 * own parser and mapped by runConfigFromOptions, so a plan accepts and means exactly what the command line does.
 */
export const RUN_FLAGS: RunFlags = {
  find(key) {
    const def = findRunOption(key);
    return def ? { name: def.name, list: def.kind === 'list' } : undefined;
  },
  check(flags) {
    // Each problem names the flag (`--no-cache-reset`); the plan names the key (`cache-reset`).
    return parseArgs(flagsToArgv(flags), RUN_OPTIONS, {}).problems.map((p) => ({ ...p, where: p.where.replace(/^--(no-)?/, '') }));
  },
  toRunConfig(flags, env) {
    const { args, problems } = parseArgs(flagsToArgv(flags), RUN_OPTIONS, env);
    const r = runConfigFromOptions(args);
    return { config: r.config, problems: [...problems, ...r.problems] };
  },
};
