/**
 * `llmbench run`: parse and validate every option (all problems at once, before anything is sent), build the run
 * plan, run it, print tables, and map the outcome to an exit code.
 */
import { resolve } from 'node:path';
import { type CliIO, type CommandDef } from '../command.js';
import { camelKey, type ParsedArgs } from '../option.js';
import { LOAD_OPTIONS, OUTPUT_OPTIONS, TARGET_OPTIONS, WORKLOAD_OPTIONS } from '../options/run.js';
import { EXIT_CODES, type Problem, UsageError } from '../../core/errors.js';
import { type Slo } from '../../metrics/summarize.js';
import { type Arrival, type LoadSpec } from '../../schedules/schedule.js';
import { type ApiStyle } from '../../targets/target.js';
import { openServerTarget } from '../../targets/index.js';
import { runBenchmark, type OpenedTarget, type RunPlan, type TargetVariantValue, type WorkloadVariantValue } from '../../runner/run.js';
import { type Variant } from '../../runner/matrix.js';
import { formatLength, type LengthSpec, SyntheticWorkload } from '../../workloads/synthetic.js';
import { PromptsFileWorkload, readPromptsFile } from '../../workloads/prompts-file.js';
import { loadLocalTokenizer } from '../../workloads/local-tokenizer.js';
import { Progress } from '../progress.js';
import { SERVER_OPTIONS, serverOptionProblems, serverOptionsFrom } from '../options/server.js';
import { openScenarioMonitors } from '../../monitors/create.js';
import { type MonitorReport } from '../../monitors/monitor.js';
import { monitorNotices, serverSideTable, telemetryTable } from '../../reports/server-tables.js';
import { type RunClock } from '../../core/clock.js';
import { renderTable } from '../../reports/table.js';
import { scenarioTable, summaryTable } from '../../reports/run-tables.js';
import { FORMAT_OPTIONS, REPORT_RUN_OPTIONS, resolveFormat } from '../options/report.js';
import { afterRun } from '../after-run.js';
import { QUALITY_OPTIONS, createQualityWorkload, datasetItemCount, perplexityRequest, qualityProblems } from '../options/quality.js';
import { addQuality, measurePerplexity } from '../../quality/run-quality.js';
import { type PerplexityResult } from '../../quality/perplexity.js';
import { type Target } from '../../targets/target.js';
import { HARDWARE_OPTION } from '../options/estimate.js';
import { resolveHardware, type HardwareSpec } from '../../estimate/efficiency.js';
import { type ModelShape } from '../../estimate/shape.js';
import { loadModelShape } from '../../estimate/load-shape.js';
import { addEfficiency } from '../../runner/efficiency.js';
import { ENGINE_OPTIONS, flashAttentionSetting } from '../options/engine.js';
import { type CpuSetting } from '../../engine/llama/affinity.js';
import { createEmbeddedTarget } from '../../targets/embedded.js';
import { isRemoteModelRef } from '../../engine/llama/model-ref.js';
import { ensureDefaultModel, readMadeModelMarker } from '../../engine/make-model/index.js';
import { modelShapeFromGguf } from '../../estimate/efficiency.js';
import { product } from '../../runner/matrix.js';
import { type Warning } from '../../core/result.js';

export const RUN_OPTIONS = [
  ...TARGET_OPTIONS,
  ...SERVER_OPTIONS,
  ...WORKLOAD_OPTIONS,
  ...QUALITY_OPTIONS,
  ...ENGINE_OPTIONS,
  ...LOAD_OPTIONS,
  ...OUTPUT_OPTIONS,
  // On run, JSON output means results.json itself on stdout (progress and tables then go to stderr).
  ...FORMAT_OPTIONS.map((o) => (o.name === 'json' ? { ...o, description: 'same as --format json: print results.json to stdout and nothing else (progress and tables go to stderr)' } : o)),
  ...REPORT_RUN_OPTIONS,
  HARDWARE_OPTION,
  { name: 'model-shape', kind: 'string' as const, placeholder: 'PATH|PRESET', group: 'Hardware', description: "the served model's shape for MBU/MFU and predicted memory: a config.json, a .gguf or a preset name (the embedded engine reads its GGUF itself)" },
];

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

/** The configuration recorded in results.json: every option, secrets removed, header values redacted. */
function recordedConfig(args: ParsedArgs): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args.values)) {
    if (k === 'apiKey') {
      c.api_key = v ? '<set>' : null;
      continue;
    }
    if (k === 'header') {
      c.header = (v as string[]).map((h) => `${h.split(':')[0]}: <redacted>`);
      continue;
    }
    c[k] = v;
  }
  return c;
}

export interface RunCommandConfig {
  plan: RunPlan;
  json: boolean;
}

export async function buildRunPlan(args: ParsedArgs, io: CliIO): Promise<RunPlan> {
  const v = args.values as Record<string, any>;
  const problems: Problem[] = [];
  // The embedded engine takes a raw prompt unless --api chat asks for the model's chat template: in-process
  // benchmarks (seeds 000, 002, 004) time the model on the text itself, and very short inputs (3 tokens) only
  // exist without a template.
  const api = (v.target || args.explicit.has('api') ? v.api : 'completions') as ApiStyle;
  const target: string | null = v.target ?? null;
  const models: string[] = v.model ?? [];
  if (target && models.length > 1) problems.push({ where: '--model', message: 'a server run takes one model', hint: 'run once per model, then llmbench compare' });
  const headers = parseHeaders(v.header ?? [], problems);
  if (target) {
    for (const o of ENGINE_OPTIONS) {
      if (args.explicit.has(camelKey(o.name))) problems.push({ where: `--${o.name}`, message: 'applies to the embedded engine only', hint: 'set engine options on the server itself, or drop --target to benchmark the embedded engine' });
    }
  }

  // Workload.
  const inputs: LengthSpec[] = v.inputTokens ?? [];
  let outputs: LengthSpec[] = v.outputTokens ?? [];
  const prompts: string | undefined = v.prompts;
  if (prompts && inputs.length) problems.push({ where: '--prompts', message: 'cannot be combined with --input-tokens', hint: 'use one workload per run' });
  // Quality (docs/quality.md): a --dataset replaces the synthetic/prompt-file workload; --perplexity adds to any.
  problems.push(...qualityProblems(v, args.explicit));
  if (v.dataset) {
    for (const [flag, set] of [['--prompts', prompts], ['--input-tokens', inputs.length], ['--output-tokens', outputs.length]] as const) {
      if (set) problems.push({ where: flag, message: 'cannot be combined with --dataset', hint: 'a dataset brings its own prompts; outputs keep their natural length, capped with --max-tokens' });
    }
  }
  const pplRequest = perplexityRequest(v, io.cwd);
  const workloads: Variant<WorkloadVariantValue>[] = [];
  if (v.dataset) {
    const count = datasetItemCount(v, io.cwd, problems);
    workloads.push({ dims: { dataset: v.dataset }, value: { make: () => createQualityWorkload(v, args.explicit, io.cwd)!, defaultRequests: count } });
  } else if (prompts) {
    let count: number | null = null;
    try {
      count = readPromptsFile(resolve(io.cwd, prompts)).length;
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.problems);
      else throw e;
    }
    const outs = outputs.length ? outputs : [null];
    for (const o of outs) {
      const out = o ? o.min : v.maxTokens ?? null;
      workloads.push({ dims: { prompts: true, ...(o ? { output_tokens: formatLength(o) } : {}) }, value: { make: () => new PromptsFileWorkload(resolve(io.cwd, prompts), out, o !== null), defaultRequests: count } });
    }
  } else {
    const ins = inputs.length ? inputs : [{ min: 128, max: 128 }];
    if (!outputs.length) outputs = [{ min: 128, max: 128 }];
    for (const i of ins)
      for (const o of outputs)
        workloads.push({
          dims: { input_tokens: formatLength(i), output_tokens: formatLength(o) },
          value: { make: (id) => new SyntheticWorkload({ input: i, output: o, sharedPrefix: v.sharedPrefix ?? 0, scenarioKey: id }), defaultRequests: null },
        });
  }

  // Load.
  const conc: number[] = v.concurrency ?? [];
  const rates: number[] = v.rate ?? [];
  const loads: LoadSpec[] = [];
  if (v.batch && (conc.length || rates.length)) problems.push({ where: '--batch', message: 'cannot be combined with --concurrency or --rate', hint: '--batch already sends every request of a scenario at once' });
  if (rates.length) {
    if (conc.length > 1) problems.push({ where: '--concurrency', message: 'with --rate it is a cap and takes one value', hint: 'e.g. --rate 2,4,8 --concurrency 64' });
    for (const r of rates) loads.push({ mode: 'rate', rate: r, arrival: v.arrival as Arrival, concurrency: conc[0] ?? null });
  } else if (v.batch) loads.push({ mode: 'batch' });
  else if (conc.length) for (const c of conc) loads.push(c === 1 ? { mode: 'sequential' } : { mode: 'concurrency', concurrency: c });
  else loads.push({ mode: 'sequential' });
  if (v.requests !== undefined && v.duration !== undefined) problems.push({ where: '--duration', message: 'cannot be combined with --requests', hint: 'bound each scenario by a count or by time, not both' });
  if (v.duration !== undefined && v.batch) problems.push({ where: '--duration', message: 'cannot be combined with --batch', hint: 'a batch is a fixed number of requests: use --requests' });
  if (v.arrival && !rates.length && args.explicit.has('arrival')) problems.push({ where: '--arrival', message: 'only applies to --rate' });

  let hardware: HardwareSpec | null = null;
  if (v.hardware) {
    try {
      hardware = resolveHardware(v.hardware);
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.problems.map((p) => ({ ...p, where: p.where || '--hardware' })));
      else throw e;
    }
  }
  let servedShape: ModelShape | null = null;
  if (v.modelShape) {
    try {
      servedShape = await loadModelShape(v.modelShape, io.cwd);
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.problems.map((p) => ({ ...p, where: '--model-shape' })));
      else problems.push({ where: '--model-shape', message: (e as Error).message });
    }
  }

  problems.push(...serverOptionProblems(v));
  if (problems.length) throw new UsageError(problems);

  const tokenizerPath: string | undefined = v.tokenizer;
  const localTokenizer = tokenizerPath ? await loadLocalTokenizer(resolve(io.cwd, tokenizerPath)) : null;

  // Engine settings multiply the grid like --model does; each combination is one target variant.
  const engineDims = product([
    ['model', models.length > 1 ? models : []],
    ['threads', v.threads ?? []],
    ['batch_size', v.batchSize ?? []],
    ['context_size', v.contextSize ?? []],
    ['gpu_layers', v.gpuLayers ?? []],
    ['kv_cache_type', v.kvCacheType ?? []],
  ]);
  const targets: Variant<TargetVariantValue>[] = target
    ? [{ dims: {}, value: { model: models[0] ?? null, engine: {} } }]
    : engineDims.map((d): Variant<TargetVariantValue> => ({ dims: d, value: { model: (d.model as string | undefined) ?? models[0] ?? null, engine: d } }));

  let resetWarned = false;
  const openTarget = async (tv: TargetVariantValue, concurrency: number, clock: RunClock): Promise<OpenedTarget> => {
    if (!target) return openEmbedded(tv, concurrency, clock);
    const so = serverOptionsFrom(v);
    const t = await openServerTarget({ url: target, api: args.explicit.has('api') ? api : null, server: so.target.server, model: tv.model, apiKey: v.apiKey, headers, timeoutMs: v.timeout, connections: concurrency, tls: so.target.tls, maxEventBytes: so.target.maxEventBytes });
    // With --server auto the adapter may pick the API (native on Triton): the workload builds prompts for it.
    if (t.info.api) plan.api = t.info.api;
    const detected = t.info.server;
    if (detected?.detected) io.stderr(`server: ${detected.detected}${detected.version ? ` ${detected.version}` : ''} (detected by ${detected.how}), api ${t.info.api}, length forcing: ${t.info.length_forcing}\n`);
    if (pplRequest) {
      // Measured once per target, before its scenarios; refused (exit 2) before any request on servers that can't.
      try {
        perplexities.set(t, await measurePerplexity(t, pplRequest, { headers: { ...headers, ...(v.apiKey ? { authorization: `Bearer ${v.apiKey}` } : {}) }, timeoutMs: v.timeout, signal: io.signal, log: (l) => io.stderr(`${l}\n`) }));
      } catch (e) {
        await t.close().catch(() => undefined);
        throw e;
      }
    }
    const monitors = await openScenarioMonitors({ ...so.monitors, headers }, t.info, clock, { salted: !prompts && !v.dataset && !(v.sharedPrefix > 0) });
    return {
      target: t,
      tokenizer: t.tokenizer() ?? localTokenizer,
      resetCache:
        so.cacheReset && t.resetCache
          ? async () => {
              const ok = await t.resetCache!();
              if (!ok && !resetWarned) {
                resetWarned = true;
                io.stderr(`note: could not reset the ${t.info.kind} prefix cache (${t.info.kind === 'vllm' ? 'vLLM serves /reset_prefix_cache only with VLLM_SERVER_DEV_MODE=1' : t.info.kind === 'llamacpp' ? 'llama-server serves /slots only when started with --slots (on by default in newer builds)' : 'the endpoint did not answer'}); the prefix-cache hit rate in server_metrics shows whether it mattered\n`);
              }
              return ok;
            }
          : undefined,
      monitors: monitors ?? undefined,
    };
  };
  const openEmbedded = async (tv: TargetVariantValue, concurrency: number, clock: RunClock): Promise<OpenedTarget> => {
    const warnings: Warning[] = [];
    let modelPath: string;
    if (tv.model) modelPath = isRemoteModelRef(tv.model) ? tv.model : resolve(io.cwd, tv.model);
    else {
      const made = await ensureDefaultModel({ env: io.env });
      if (made.created) io.stderr(`made the default model ${made.path} (${(made.fileBytes / 1e6).toFixed(1)} MB, once; cached)\n`);
      modelPath = made.path;
    }
    const e = tv.engine;
    const t = await createEmbeddedTarget({
      modelPath,
      clock,
      threads: (e.threads as number | undefined) ?? null,
      batchSize: (e.batch_size as number | undefined) ?? null,
      contextSize: (e.context_size as number | undefined) ?? null,
      gpuLayers: (e.gpu_layers as number | undefined) ?? null,
      kvCacheType: e.kv_cache_type as 'f16' | 'q8_0' | 'q4_0' | undefined,
      flashAttention: flashAttentionSetting(v.flashAttention),
      cpus: v.engineCpus as CpuSetting,
      sequences: concurrency,
    });
    const remote = isRemoteModelRef(modelPath);
    const marker = remote ? null : (() => {
      try {
        return readMadeModelMarker(modelPath);
      } catch {
        return null;
      }
    })();
    if (marker) {
      const note = `random weights (${marker.name}): the timings are real, the generated text is meaningless`;
      t.info.random_weights = true;
      t.info.note = note;
      warnings.push({ code: 'RANDOM_WEIGHTS', message: `model ${note}` });
      io.stderr(`model: ${note}\n`);
    }
    // An explicit --engine-cpus list that could not be honoured is worth a warning; `auto` declining is not.
    const env0 = t.environment();
    if (Array.isArray(v.engineCpus) && env0.engine_cpus === null) {
      warnings.push({ code: 'ENGINE_CPUS_NOT_PINNED', message: `engine not pinned: ${String(env0.engine_cpus_note)}` });
      io.stderr(`warning: engine not pinned: ${String(env0.engine_cpus_note)}\n`);
    }
    if (!remote) {
      try {
        shapes.set(t, await modelShapeFromGguf(modelPath));
        const env = t.environment();
        engineReservations.set(t, { reservedContext: typeof env.context_size === 'number' ? env.context_size : undefined, reservedSequences: concurrency, kvDtype: (e.kv_cache_type as string | undefined) ?? 'f16' });
      } catch {
        // No shape, no MBU/MFU: the efficiency fields are simply absent.
      }
    }
    if (pplRequest) {
      try {
        perplexities.set(t, await measurePerplexity(t, pplRequest, { headers: {}, timeoutMs: v.timeout, signal: io.signal, log: (l) => io.stderr(`${l}\n`) }));
      } catch (err) {
        await t.close().catch(() => undefined);
        throw err;
      }
    }
    return { target: t, tokenizer: t.tokenizer() ?? localTokenizer, memory: async () => ({ ...(await t.memory()) }), environment: () => t.environment(), warnings };
  };
  const perplexities = new Map<Target, PerplexityResult>();
  // Model shape and KV reservation per opened embedded target (from its GGUF), for MBU/MFU.
  const shapes = new Map<Target, ModelShape>();
  const engineReservations = new Map<Target, { reservedContext?: number; reservedSequences?: number; kvDtype?: string }>();

  const plan: RunPlan = {
    config: recordedConfig(args),
    api,
    name: v.name ?? null,
    outDir: resolve(io.cwd, v.out),
    targets,
    workloads,
    loads,
    requests: v.requests ?? null,
    durationMs: v.duration ?? null,
    warmup: v.warmup,
    repeats: v.repeat,
    timeoutMs: v.timeout,
    temperature: v.temperature ?? null,
    seed: v.seed,
    extraBody: v.extraBody ?? {},
    keepText: v.saveText,
    slo: (v.slo as Slo | undefined) ?? null,
    percentiles: v.percentiles ?? [],
    openTarget,
    enrichScenario: (s, records, opened) => {
      if (v.dataset || pplRequest) addQuality(s, records, perplexities.get(opened.target) ?? null);
      const shape = shapes.get(opened.target) ?? servedShape;
      if (shape) addEfficiency(s, { shape, hardware, ...(engineReservations.get(opened.target) ?? {}) });
      const sm = s.server_metrics as MonitorReport | undefined;
      if (sm?.warnings?.length) s.warnings.push(...sm.warnings);
    },
  };
  return plan;
}

export const runCommand: CommandDef = {
  name: 'run',
  summary: 'benchmark a server or the embedded engine over a grid of scenarios',
  description: 'With no --target, the embedded engine (node-llama-cpp) runs in-process: no server and no GPU needed.',
  options: RUN_OPTIONS,
  examples: [
    'llmbench run',
    'llmbench run --target http://127.0.0.1:8000 --input-tokens 3,26 --output-tokens 50,100 --repeat 5',
    'llmbench run --target http://127.0.0.1:8000 --concurrency 1,8,32 --slo ttft:200ms,tpot:50ms',
    'llmbench run --target http://127.0.0.1:8000 --rate 2,4,8 --arrival gamma:0.5 --duration 60s',
  ],
  async run(args, io) {
    const plan = await buildRunPlan(args, io);
    const format = resolveFormat(args.values);
    const json = format === 'json';
    const human = json ? io.stderr : io.stdout;
    const progress = new Progress(io.stderr, io.isTTY);
    const outcome = await runBenchmark(plan, {
      signal: io.signal,
      log: (l) => io.stderr(`${l}\n`),
      progress: (p) => progress.update(p),
      progressDone: () => progress.done(),
    });
    const { result } = outcome;
    if (json) io.stdout(JSON.stringify(result, null, 2) + '\n');
    const tableFormat = json ? 'table' : format;
    if (tableFormat === 'table') for (const s of result.scenarios) human(`\n${renderTable(scenarioTable(s), 'table')}`);
    human(`\n${renderTable(summaryTable(result), tableFormat)}`);
    for (const t of [serverSideTable(result), telemetryTable(result)]) if (t) human(`\n${renderTable(t, tableFormat)}`);
    for (const n of monitorNotices(result)) io.stderr(`note: ${n}\n`);
    if (outcome.dir) {
      const after = await afterRun(args.values, io.env, io.cwd, outcome.dir, result, outcome.records);
      for (const w of after.warnings) io.stderr(`warning: ${w}\n`);
      if (after.files.length) io.stderr(`report: ${after.files[after.files.length - 1]}\n`);
      if (after.historyId) io.stderr(`history id: ${after.historyId}\n`);
    }
    for (const s of result.scenarios) for (const w of s.warnings) io.stderr(`warning [${s.id}] ${w.message}${w.hint ? `\n  hint: ${w.hint}` : ''}\n`);
    io.stderr(`results: ${outcome.dir}\n`);
    if (result.interrupted) return EXIT_CODES.interrupted;
    if (outcome.failedScenarios > 0) return EXIT_CODES.scenarioFailed;
    return EXIT_CODES.ok;
  },
};
