/**
 * RunConfig → RunPlan: checks the configuration (every problem at once, before anything is sent), reads what
 * must be read up front (prompt file size, dataset size, model shape, local tokenizer), lays out the grid of
 * target, workload and load variants, and says how each target variant is opened: a server adapter, or the
 * embedded engine with its model made, pinned and measured.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { UsageError, type Problem } from '../core/errors.js';
import { type RunClock } from '../core/clock.js';
import { type Warning } from '../core/result.js';
import { type Target, type ApiStyle } from '../targets/target.js';
import { type LoadSpec } from '../schedules/schedule.js';
import { formatLength, SyntheticWorkload } from '../workloads/synthetic.js';
import { PromptsFileWorkload, readPromptsFile } from '../workloads/prompts-file.js';
import { loadLocalTokenizer } from '../workloads/local-tokenizer.js';
import { FileConversationWorkload } from '../workloads/conversations/file-workload.js';
import { SyntheticConversationWorkload } from '../workloads/conversations/synthetic-workload.js';
import { readTrace, TraceWorkload } from '../workloads/traces.js';
import { type MonitorReport } from '../monitors/monitor.js';
import { type PerplexityResult } from '../quality/perplexity.js';
import { addQuality, measurePerplexity } from '../quality/run-quality.js';
import { resolveHardware, modelShapeFromGguf, type HardwareSpec } from '../estimate/efficiency.js';
import { type ModelShape } from '../estimate/shape.js';
import { loadModelShape } from '../estimate/load-shape.js';
import { addEfficiency } from './efficiency.js';
import { product, type Variant } from './matrix.js';
import { type OpenedTarget, type RunPlan, type TargetVariantValue, type WorkloadVariantValue } from './run.js';
import { parseStartAt, resolveWorkers, RUN_DEFAULTS, recordedConfig, runConfigProblems, toLength, type RunConfig } from './config.js';
import { datasetItems, datasetWorkload, perplexityOf } from './quality-config.js';

/** How each server's resetCache flushes (src/targets/specs), for cache_state.how. */
const FLUSH_HOW: Record<string, string> = {
  vllm: 'POST /reset_prefix_cache',
  sglang: 'POST /flush_cache',
  llamacpp: 'POST /slots/{id}?action=erase for every slot',
  llmbench: 'POST /slots/{id}?action=erase for every slot',
};

/** What the plan needs from its caller. */
export interface PlanIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** One line of news (no trailing newline): a detected server, a model made, a note. */
  log(line: string): void;
}

export async function buildRunPlan(config: RunConfig, io: PlanIO): Promise<RunPlan> {
  const problems: Problem[] = runConfigProblems(config);
  const target = config.target ?? null;
  const models = config.models ?? [];
  const w = config.workload ?? {};
  const q = config.quality ?? {};
  const l = config.load ?? {};
  const o = config.output ?? {};
  const en = config.engine ?? {};
  const headers = Object.fromEntries(Object.entries(config.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  // The embedded engine takes a raw prompt unless chat is asked for (the model's chat template): in-process
  // benchmarks (seeds 000, 002, 004) time the model on the text itself, and very short inputs (3 tokens) only
  // exist without a template. Servers: the adapter picks unless told (chat where there is an OpenAI endpoint).
  const explicitApi = config.api ?? null;
  const api: ApiStyle = explicitApi ?? (target ? 'chat' : 'completions');
  const timeoutMs = config.timeoutMs ?? RUN_DEFAULTS.timeoutMs;
  const apiKey = config.apiKey ?? undefined;

  // Workload.
  const prompts = w.prompts ?? null;
  const pplRequest = perplexityOf(q, io.cwd);
  const workloads: Variant<WorkloadVariantValue>[] = [];
  const lengths = (xs: unknown[] | undefined) => {
    try {
      return (xs ?? []).map((x) => toLength(x as never));
    } catch {
      return []; // reported by runConfigProblems
    }
  };
  const inputs = lengths(w.inputTokens);
  let outputs = lengths(w.outputTokens);
  const convFile = w.conversations ?? null;
  const convSynth = w.syntheticConversations ?? null;
  const traceCfg = w.trace ?? null;
  if (traceCfg) {
    // Read whole before anything is sent: a malformed line is a usage error naming it.
    try {
      const trace = readTrace(resolve(io.cwd, traceCfg.path), traceCfg.format, traceCfg.limit ?? null);
      if (l.requests !== undefined && l.requests !== null && l.requests > trace.entries.length) problems.push({ where: '--requests', message: `${l.requests} is more than the ${trace.entries.length} requests the trace has${traceCfg.limit ? ' (after --trace-limit)' : ''}`, hint: `use --requests ${trace.entries.length} or fewer, or leave it out to replay the whole trace` });
      const opts = { trace, blockSize: traceCfg.blockSize ?? RUN_DEFAULTS.traceBlockSize, timeScale: traceCfg.timeScale ?? RUN_DEFAULTS.traceTimeScale };
      workloads.push({ dims: { trace: traceCfg.format }, value: { make: (id) => new TraceWorkload({ ...opts, scenarioKey: id }), defaultRequests: trace.entries.length } });
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.problems);
      else throw e;
    }
  } else if (convFile || convSynth !== null) {
    const sessions = { thinkTime: l.thinkTime ?? null, maxTokens: w.maxTokens ?? null };
    if (convFile) {
      const path = resolve(io.cwd, convFile);
      if (!existsSync(path)) problems.push({ where: '--conversations', message: `${path} does not exist` });
      for (const out of outputs.length ? outputs : [null]) {
        workloads.push({
          dims: { conversations: true, ...(out ? { output_tokens: formatLength(out) } : {}) },
          value: { make: () => new FileConversationWorkload({ path, turns: w.turns ?? RUN_DEFAULTS.turns, outputTokens: out ? out.min : null, maxTokens: w.maxTokens ?? null, limit: l.requests ?? null }), defaultRequests: null, sessions },
        });
      }
    } else {
      const k = w.turnsPerSession ?? RUN_DEFAULTS.turnsPerSession;
      const a = w.turnInputTokens ?? RUN_DEFAULTS.turnInputTokens;
      const b = w.turnOutputTokens ?? RUN_DEFAULTS.turnOutputTokens;
      workloads.push({
        dims: { conversations: convSynth!, turns: k, turn_input_tokens: a, turn_output_tokens: b },
        value: { make: (id) => new SyntheticConversationWorkload({ sessions: convSynth!, turnsPerSession: k, turnInputTokens: a, turnOutputTokens: b, scenarioKey: id }), defaultRequests: convSynth, sessions },
      });
    }
  } else if (q.dataset) {
    const count = datasetItems(q, io.cwd, problems);
    workloads.push({ dims: { dataset: q.dataset }, value: { make: () => datasetWorkload(q, w.maxTokens ?? null, io.cwd)!, defaultRequests: count } });
  } else if (prompts) {
    const path = resolve(io.cwd, prompts);
    let count: number | null = null;
    try {
      count = readPromptsFile(path).length;
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.problems);
      else throw e;
    }
    for (const out of outputs.length ? outputs : [null]) {
      const n = out ? out.min : w.maxTokens ?? null;
      workloads.push({ dims: { prompts: true, ...(out ? { output_tokens: formatLength(out) } : {}) }, value: { make: () => new PromptsFileWorkload(path, n, out !== null), defaultRequests: count } });
    }
  } else {
    const ins = inputs.length ? inputs : [{ min: RUN_DEFAULTS.inputTokens, max: RUN_DEFAULTS.inputTokens }];
    if (!outputs.length) outputs = [{ min: RUN_DEFAULTS.outputTokens, max: RUN_DEFAULTS.outputTokens }];
    for (const i of ins)
      for (const out of outputs)
        workloads.push({
          dims: { input_tokens: formatLength(i), output_tokens: formatLength(out) },
          value: { make: (id) => new SyntheticWorkload({ input: i, output: out, sharedPrefix: w.sharedPrefix ?? RUN_DEFAULTS.sharedPrefix, prefixGroups: w.prefixGroups ?? RUN_DEFAULTS.prefixGroups, prefixWeights: w.prefixWeights ?? null, scenarioKey: id }), defaultRequests: null },
        });
  }

  // Load.
  const conc = l.concurrency ?? [];
  const rates = l.rate ?? [];
  const loads: LoadSpec[] = [];
  if (traceCfg) loads.push({ mode: 'trace', time_scale: traceCfg.timeScale ?? RUN_DEFAULTS.traceTimeScale, concurrency: null });
  else if (rates.length) for (const r of rates) loads.push({ mode: 'rate', rate: r, arrival: l.arrival ?? RUN_DEFAULTS.arrival, concurrency: conc[0] ?? null });
  else if (l.batch) loads.push({ mode: 'batch' });
  else if (conc.length) for (const c of conc) loads.push(c === 1 ? { mode: 'sequential' } : { mode: 'concurrency', concurrency: c });
  else loads.push({ mode: 'sequential' });

  let hardware: HardwareSpec | null = null;
  if (config.hardware) {
    try {
      hardware = resolveHardware(config.hardware);
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.problems.map((p) => ({ ...p, where: p.where || '--hardware' })));
      else throw e;
    }
  }
  let servedShape: ModelShape | null = null;
  if (config.modelShape) {
    try {
      servedShape = await loadModelShape(config.modelShape, io.cwd);
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.problems.map((p) => ({ ...p, where: '--model-shape' })));
      else problems.push({ where: '--model-shape', message: (e as Error).message });
    }
  }
  if (problems.length) throw new UsageError(problems);

  const localTokenizer = config.tokenizer ? await loadLocalTokenizer(resolve(io.cwd, config.tokenizer)) : null;

  // Engine settings multiply the grid like models do; each combination is one target variant.
  const engineDims = product([
    ['model', models.length > 1 ? models : []],
    ['threads', en.threads ?? []],
    ['batch_size', en.batchSize ?? []],
    ['context_size', en.contextSize ?? []],
    ['gpu_layers', en.gpuLayers ?? []],
    ['kv_cache_type', en.kvCacheType ?? [RUN_DEFAULTS.kvCacheType]],
  ]);
  const targets: Variant<TargetVariantValue>[] = target
    ? [{ dims: {}, value: { model: models[0] ?? null, engine: {} } }]
    : engineDims.map((d): Variant<TargetVariantValue> => ({ dims: d, value: { model: (d.model as string | undefined) ?? models[0] ?? null, engine: d } }));

  const perplexities = new Map<Target, PerplexityResult>();
  // Model shape and KV reservation per opened embedded target (from its GGUF), for MBU/MFU.
  const shapes = new Map<Target, ModelShape>();
  const engineReservations = new Map<Target, { reservedContext?: number; reservedSequences?: number; kvDtype?: string }>();
  const withPerplexity = async (t: Target, reqHeaders: Record<string, string>): Promise<void> => {
    if (!pplRequest) return;
    // Measured once per target, before its scenarios; refused (exit 2) before any request on servers that can't.
    try {
      perplexities.set(t, await measurePerplexity(t, pplRequest, { headers: reqHeaders, timeoutMs, signal: io.signal, log: io.log }));
    } catch (e) {
      await t.close().catch(() => undefined);
      throw e;
    }
  };

  let resetWarned = false;
  const openServer = async (tv: TargetVariantValue, concurrency: number, clock: RunClock): Promise<OpenedTarget> => {
    const s = config.server ?? {};
    const tls = { caCert: s.caCert ?? undefined, clientCert: s.clientCert ?? undefined, clientKey: s.clientKey ?? undefined, insecure: s.insecure ?? RUN_DEFAULTS.insecure };
    const [{ openServerTarget }, { openScenarioMonitors }] = await Promise.all([import('../targets/index.js'), import('../monitors/create.js')]);
    const t = await openServerTarget({
      url: target!,
      api: explicitApi,
      server: s.kind ?? RUN_DEFAULTS.serverKind,
      model: tv.model,
      apiKey,
      headers,
      timeoutMs,
      connections: concurrency,
      tls,
      maxEventBytes: s.maxEventBytes ?? RUN_DEFAULTS.maxEventBytes,
    });
    // With server auto the adapter may pick the API (native on Triton): the workload builds prompts for it.
    if (t.info.api) plan.api = t.info.api;
    const detected = t.info.server;
    if (detected?.detected) io.log(`server: ${detected.detected}${detected.version ? ` ${detected.version}` : ''} (detected by ${detected.how}), api ${t.info.api}, length forcing: ${t.info.length_forcing}`);
    await withPerplexity(t, { ...headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) });
    const monitors = await openScenarioMonitors(
      { metricsUrl: s.metricsUrl ?? null, sampleIntervalMs: s.sampleIntervalMs ?? RUN_DEFAULTS.sampleIntervalMs, telemetry: s.telemetry ?? RUN_DEFAULTS.telemetry, telemetryCmd: s.telemetryCmd ?? null, dcgmUrl: s.dcgmUrl ?? null, tls, headers, defaultMetricsUrl: t.defaultMetricsUrl },
      t.info,
      clock,
      { salted: !prompts && !q.dataset && !convFile && convSynth === null && !((w.sharedPrefix ?? 0) > 0) && traceCfg?.format !== 'mooncake' },
    );
    return {
      target: t,
      tokenizer: t.tokenizer() ?? localTokenizer,
      resetCache:
        (s.cacheReset ?? RUN_DEFAULTS.cacheReset) && t.resetCache
          ? async () => {
              const ok = await t.resetCache!();
              if (!ok && !resetWarned) {
                resetWarned = true;
                io.log(`note: could not reset the ${t.info.kind} prefix cache (${t.info.kind === 'vllm' ? 'vLLM serves /reset_prefix_cache only with VLLM_SERVER_DEV_MODE=1' : t.info.kind === 'llamacpp' ? 'llama-server serves /slots only when started with --slots (on by default in newer builds)' : 'the endpoint did not answer'}); the prefix-cache hit rate in server_metrics shows whether it mattered`);
              }
              return ok;
            }
          : undefined,
      monitors: monitors ?? undefined,
      cacheFlush: t.resetCache ? { how: `endpoint (${t.cacheResetHow ?? FLUSH_HOW[t.info.kind] ?? 'the server\'s cache reset'})` } : { why: `llmbench knows no prefix-cache flush endpoint for ${t.info.kind}; restart the server between scenarios for a cold cache` },
    };
  };

  const openEmbedded = async (tv: TargetVariantValue, concurrency: number, clock: RunClock): Promise<OpenedTarget> => {
    const [{ createEmbeddedTarget }, { isRemoteModelRef }, { ensureDefaultModel, readMadeModelMarker }] = await Promise.all([
      import('../targets/embedded.js'),
      import('../engine/llama/model-ref.js'),
      import('../engine/make-model/index.js'),
    ]);
    const warnings: Warning[] = [];
    let modelPath: string;
    if (tv.model) modelPath = isRemoteModelRef(tv.model) ? tv.model : resolve(io.cwd, tv.model);
    else {
      const made = await ensureDefaultModel({ env: io.env });
      if (made.created) io.log(`made the default model ${made.path} (${(made.fileBytes / 1e6).toFixed(1)} MB, once; cached)`);
      modelPath = made.path;
    }
    const e = tv.engine;
    const fa = en.flashAttention ?? RUN_DEFAULTS.flashAttention;
    const t = await createEmbeddedTarget({
      modelPath,
      clock,
      threads: (e.threads as number | undefined) ?? null,
      batchSize: (e.batch_size as number | undefined) ?? null,
      contextSize: (e.context_size as number | undefined) ?? null,
      gpuLayers: (e.gpu_layers as number | undefined) ?? null,
      kvCacheType: e.kv_cache_type as 'f16' | 'q8_0' | 'q4_0' | undefined,
      flashAttention: fa === 'on' ? true : fa === 'off' ? false : null,
      cpus: en.cpus ?? RUN_DEFAULTS.engineCpus,
      sequences: concurrency,
    });
    const remote = isRemoteModelRef(modelPath);
    let marker: ReturnType<typeof readMadeModelMarker> = null;
    if (!remote) {
      try {
        marker = readMadeModelMarker(modelPath);
      } catch {
        marker = null;
      }
    }
    if (marker) {
      const note = `random weights (${marker.name}): the timings are real, the generated text is meaningless`;
      t.info.random_weights = true;
      t.info.note = note;
      warnings.push({ code: 'RANDOM_WEIGHTS', message: `model ${note}` });
      io.log(`model: ${note}`);
    }
    // An explicit CPU list that could not be honoured is worth a warning; `auto` declining is not.
    const env0 = t.environment();
    if (Array.isArray(en.cpus) && env0.engine_cpus === null) {
      warnings.push({ code: 'ENGINE_CPUS_NOT_PINNED', message: `engine not pinned: ${String(env0.engine_cpus_note)}` });
      io.log(`warning: engine not pinned: ${String(env0.engine_cpus_note)}`);
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
    await withPerplexity(t, {});
    // The in-process engine empties a sequence's KV cells before each request: every request starts cold.
    return { target: t, tokenizer: t.tokenizer() ?? localTokenizer, resetCache: async () => true, cacheFlush: { how: 'nothing kept (the embedded engine keeps no prefix cache between requests)' }, memory: async () => ({ ...(await t.memory()) }), environment: () => t.environment(), warnings };
  };

  const plan: RunPlan = {
    config: recordedConfig(config),
    shard: config.shard && config.shard.count > 1 ? { index: config.shard.index, count: config.shard.count } : null,
    startAtEpoch: config.startAt !== undefined && config.startAt !== null ? parseStartAt(config.startAt) : null,
    leadTimeMs: config.leadTimeMs ?? RUN_DEFAULTS.leadTimeMs,
    workers: target && resolveWorkers(config.workers, cpus().length) > 1 ? { count: resolveWorkers(config.workers, cpus().length), config, cwd: io.cwd, env: { ...process.env, ...io.env } } : null,
    api,
    name: o.name ?? null,
    outDir: resolve(io.cwd, o.out ?? RUN_DEFAULTS.out),
    targets,
    workloads,
    loads,
    requests: l.requests ?? null,
    durationMs: l.durationMs ?? null,
    measureWindow: l.measureWindow ?? null,
    stopWhenSaturated: l.stopWhenSaturated ?? false,
    warmup: l.warmup ?? RUN_DEFAULTS.warmup,
    repeats: l.repeat ?? RUN_DEFAULTS.repeat,
    timeoutMs,
    temperature: config.temperature ?? null,
    seed: l.seed ?? RUN_DEFAULTS.seed,
    extraBody: config.extraBody ?? {},
    keepText: o.saveText ?? RUN_DEFAULTS.saveText,
    slo: l.slo ?? null,
    cacheReset: config.server?.cacheReset ?? RUN_DEFAULTS.cacheReset,
    percentiles: o.percentiles ?? [],
    openTarget: (tv, concurrency, clock) => (target ? openServer(tv, concurrency, clock) : openEmbedded(tv, concurrency, clock)),
    enrichScenario: (s, records, opened) => {
      if (q.dataset || pplRequest) addQuality(s, records, perplexities.get(opened.target) ?? null);
      const shape = shapes.get(opened.target) ?? servedShape;
      if (shape) addEfficiency(s, { shape, hardware, ...(engineReservations.get(opened.target) ?? {}) });
      const sm = s.server_metrics as MonitorReport | undefined;
      if (sm?.warnings?.length) s.warnings.push(...sm.warnings);
    },
  };
  return plan;
}
