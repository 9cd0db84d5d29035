/**
 * A whole run: the scenario matrix, one target per target variant, each scenario executed, summarised and saved
 * as it finishes. The result folder is written first and kept up to date, so nothing later (reports, history)
 * can cost the benchmark its results.
 */
import { cpus, hostname, platform, release, totalmem, arch } from 'node:os';
import { randomUUID } from 'node:crypto';
import { RunClock } from '../core/clock.js';
import { type RequestRecord } from '../core/record.js';
import { METRICS_SPEC_VERSION, RESULT_SCHEMA, type RunResult, type ScenarioResult, type Warning } from '../core/result.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { LlmbenchError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { summarizeScenario, type Slo } from '../metrics/summarize.js';
import { spread } from '../metrics/stats.js';
import { closedLoopClients, describeLoad, loadConcurrency, type LoadSpec } from '../schedules/schedule.js';
import { type ApiStyle, type Target, type TargetInfo } from '../targets/target.js';
import { type PromptItem, type Workload } from '../workloads/workload.js';
import { executeScenario, type ExecContext, type ExecSettings, type ScenarioRun } from './execute.js';
import { SATURATION_DEFAULTS, type SlopeFit } from '../metrics/saturation.js';
import { executeSessions, renumberSessionRecords, type ThinkTime } from './sessions.js';
import { finishCacheState, recordCacheState } from './cache-state.js';
import { byTurn } from '../metrics/by-turn.js';
import { isSessionWorkload } from '../workloads/conversations/session-workload.js';
import { prefixCacheHitRateMax } from '../workloads/traces.js';
import { buildMatrix, type ScenarioSpec, type Variant } from './matrix.js';
import { RunOutput } from './output.js';
import { LOOP_DELAY_LIMIT_MS, SelfMonitor } from './self-monitor.js';
import { startHeartbeat } from './heartbeat.js';
import { ownedIndexes, type Share, streamsOf } from '../schedules/partition.js';
import { clockSync } from '../core/clock-sync.js';
import { SHARD_KEYS } from './config.js';
import { barrierKey, ShardBarrier, waitUntil } from './shard-sync.js';
import { join } from 'node:path';
import { type RunConfig } from './config.js';
import { WorkerPool, type WorkerReport } from './workers.js';

export interface TargetVariantValue {
  model: string | null;
  engine: Record<string, number | string | boolean | null>;
}

export interface WorkloadVariantValue {
  /** Makes the scenario's workload; `scenarioId` salts prompts so no two scenarios share one. */
  make(scenarioId: string): Workload;
  /** Requests per scenario when --requests is not given: a file or dataset's size, else null (load default). */
  defaultRequests: number | null;
  /** Conversation workloads: run by sessions (./sessions.ts); --requests then counts sessions. */
  sessions?: { thinkTime: ThinkTime | null; maxTokens: number | null };
}

/** A live handle on a target plus what only some targets offer. */
export interface OpenedTarget {
  target: Target;
  tokenizer: Tokenizer | null;
  /** Embedded engine: memory after a scenario. */
  memory?(): Promise<Record<string, number | null>>;
  environment?(): Record<string, unknown>;
  /** Per-scenario monitors (Prometheus, telemetry): start before, stop after. */
  monitors?(scenarioId: string): { start(): Promise<void>; stop(outputTokens: number): Promise<Record<string, unknown>> } | null;
  /** Reset the server's prefix cache between scenarios, where it can. */
  resetCache?(): Promise<boolean>;
  /** How resetCache flushes ('endpoint: POST /reset_prefix_cache'), or why the cache cannot be flushed. */
  cacheFlush?: { how: string } | { why: string };
  /** Run-level warnings about this target (e.g. a random-weights model). */
  warnings?: Warning[];
}

export interface RunPlan extends ExecSettings {
  config: Record<string, unknown>;
  api: ApiStyle;
  name: string | null;
  outDir: string;
  targets: Variant<TargetVariantValue>[];
  workloads: Variant<WorkloadVariantValue>[];
  loads: LoadSpec[];
  slo: Slo | null;
  percentiles: number[];
  /** This process's share of the schedule (--shard); null: all of it. */
  shard?: Share | null;
  /** Wall-clock instant (epoch ms) the first timed phase starts (--start-at); null: at once. */
  startAtEpoch?: number | null;
  leadTimeMs?: number;
  /**
   * --workers N > 1: the load is divided among N worker processes (./workers.ts) that rebuild this plan from the
   * configuration (the real one: the recorded `config` has secrets redacted). Absent: this process sends it all.
   */
  workers?: { count: number; config: RunConfig; cwd: string; env: NodeJS.ProcessEnv } | null;
  /** Flush the prefix cache before each scenario where the target can (--no-cache-reset: keep it). */
  cacheReset?: boolean;
  /** Opens a target variant with a connection pool / sequence count sized for `concurrency`. */
  openTarget(v: TargetVariantValue, concurrency: number, clock: RunClock): Promise<OpenedTarget>;
  /** Extra per-scenario result fields (quality summaries, efficiency); runs after the speed summary. */
  enrichScenario?(s: ScenarioResult, records: RequestRecord[], opened: OpenedTarget): Promise<void> | void;
}

export interface RunHooks {
  signal: AbortSignal;
  log(line: string): void;
  progress?(p: { scenario: string; index: number; count: number; repeat: number; repeats: number; done: number; failed: number; total: number | null; elapsedMs: number; durationMs: number | null }): void;
  /** Prompts being built before a scenario's requests are sent (exact-length prompts take a while). */
  preparing?(p: { scenario: string; index: number; count: number; repeat: number; repeats: number; prepared: number; total: number; elapsedMs: number }): void;
  progressDone?(): void;
  /** A step that may take a while (opening a target, preparing a workload) starts, then ends. */
  step?(label: string, phase: 'start' | 'end'): void;
}

/** Runs `f` as a named step (RunHooks.step), ending it however `f` ends. */
async function step<T>(hooks: RunHooks, label: string, f: () => Promise<T>): Promise<T> {
  hooks.step?.(label, 'start');
  try {
    return await f();
  } finally {
    hooks.step?.(label, 'end');
  }
}

export interface RunOutcome {
  result: RunResult;
  dir: string;
  records: RequestRecord[];
  failedScenarios: number;
}

function defaultRequests(load: LoadSpec, fromWorkload: number | null): number {
  if (fromWorkload !== null) return fromWorkload;
  switch (load.mode) {
    case 'concurrency':
      return Math.max(10, 4 * load.concurrency);
    case 'rate':
      return Math.max(10, Math.ceil(load.rate * 10));
    default:
      return 10;
  }
}

export function environment(): Record<string, unknown> {
  const c = cpus();
  return {
    llmbench: VERSION,
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    hostname: hostname(),
    cpu: c[0]?.model ?? null,
    cpu_cores: c.length,
    memory_bytes: totalmem(),
  };
}

function emptyScenario(spec: ScenarioSpec<TargetVariantValue, WorkloadVariantValue>, status: ScenarioResult['status'], error: { code: string; message: string } | null): ScenarioResult {
  const s = summarizeScenario([]);
  return { id: spec.id, dims: spec.dims, workload: {}, load: { ...spec.load, description: describeLoad(spec.load) }, target: null, status, error, ...s, warnings: [] };
}

/** Executes a plan (./plan.ts builds one from a RunConfig; ./benchmark.ts runBenchmark does both). */
export async function runPlan(plan: RunPlan, hooks: RunHooks): Promise<RunOutcome> {
  const clock = new RunClock();
  const started = new Date();
  const matrix = buildMatrix(plan.targets, plan.workloads, plan.loads);
  const firstModel = plan.targets[0]?.value.model ?? 'default';
  const result: RunResult = {
    schema: RESULT_SCHEMA,
    metrics_spec: METRICS_SPEC_VERSION,
    tool: { name: 'llmbench', version: VERSION },
    run_id: randomUUID(),
    name: plan.name ?? '',
    started_at: started.toISOString(),
    finished_at: null,
    interrupted: false,
    config: plan.config,
    environment: environment(),
    target: null,
    plan: matrix.map((m) => ({ id: m.id, dims: m.dims, load: m.load })),
    scenarios: [],
    warnings: [],
  };
  const shard = plan.shard ?? null;
  const startAtEpoch = plan.startAtEpoch ?? null;
  if (shard) result.shard = { index: shard.index, count: shard.count };
  // The wall-clock instant of the records' zero, so `llmbench merge` can put several processes on one clock.
  result.clock_origin_epoch_ms = clock.originEpoch;
  if (startAtEpoch !== null) {
    result.start_at = new Date(startAtEpoch).toISOString();
    result.environment = { ...result.environment, clock_sync: await clockSync() };
  }
  const sharedPlan = Object.fromEntries(Object.entries(plan.config).filter(([k]) => !(SHARD_KEYS as readonly string[]).includes(k)));
  const barrier = shard && startAtEpoch !== null ? new ShardBarrier(join(plan.outDir, '.llmbench-barrier', barrierKey(sharedPlan, startAtEpoch)), shard, plan.timeoutMs + (plan.leadTimeMs ?? 60_000)) : null;
  let phase = 0;
  /** The wall-clock start (epoch ms) of the next timed phase: --start-at first, then the shards' barrier; null: now. */
  const phaseEpoch = async (): Promise<{ k: number; epoch: number | null }> => {
    const k = phase++;
    let epoch: number | null = startAtEpoch;
    if (k > 0) {
      epoch = barrier ? await barrier.arrive(k, hooks.signal) : null;
      if (barrier && epoch === null && !hooks.signal.aborted) result.warnings.push({ code: 'SHARD_BARRIER_TIMEOUT', message: `phase ${k} started without the other shards: not all ${shard!.count} reached the barrier in ${plan.outDir}`, hint: 'shards must share --out (one ReadWriteMany volume) for later scenarios to start together' });
    }
    return { k, epoch };
  };
  /** A phase that started over a second after its instant: its requests keep their schedule, the lag shows. */
  const warnIfLate = (k: number, epoch: number, lateMs: number): void => {
    if (lateMs > 1000) result.warnings.push({ code: 'SHARD_LATE_START', message: `phase ${k} started ${(lateMs / 1000).toFixed(1)} s after its start instant ${new Date(epoch).toISOString()}; its requests keep their scheduled times and show the delay as schedule_lag_ms`, hint: 'start the processes earlier (a larger --start-in)' });
  };
  /** The run-clock start of the next timed phase: --start-at first, then the shards' barrier (./shard-sync.ts). */
  const startAt = startAtEpoch === null ? undefined : async (): Promise<number> => {
    const { k, epoch } = await phaseEpoch();
    if (epoch === null) return clock.now();
    const at = clock.fromEpoch(epoch);
    await waitUntil(clock, at, hooks.signal);
    warnIfLate(k, epoch, clock.now() - at);
    return at;
  };
  /** The same, for worker processes: they wait for the instant themselves, so it is only computed here. */
  const workersPhaseEpoch = async (): Promise<number | null> => {
    if (startAtEpoch === null) return null;
    const { k, epoch } = await phaseEpoch();
    if (epoch !== null) warnIfLate(k, epoch, Date.now() - epoch);
    return epoch;
  };
  let out: RunOutput | null = null;
  const allRecords: RequestRecord[] = [];
  let failed = 0;

  // Target variants in order; scenarios of one variant share one opened target.
  const byTarget = new Map<Variant<TargetVariantValue>, typeof matrix>();
  for (const m of matrix) byTarget.set(m.target, [...(byTarget.get(m.target) ?? []), m]);

  let scenarioIndex = 0;
  // The dashboard's live view: a heartbeat file in the result folder while the run is going (src/runner/heartbeat.ts).
  const heartbeat = startHeartbeat(() => out?.dir ?? null, { run_id: result.run_id, started_at: result.started_at });
  try {
    for (const [variant, specs] of byTarget) {
      if (hooks.signal.aborted) break;
      const maxConc = Math.max(...specs.map((s) => loadConcurrency(s.load, plan.requests ?? defaultRequests(s.load, s.workload.value.defaultRequests))));
      let opened: OpenedTarget;
      let pool: WorkerPool | null = null;
      try {
        opened = await step(hooks, `opening ${describeVariant(variant)}`, () => plan.openTarget(variant.value, maxConc, clock));
        if (plan.workers) {
          const wk = plan.workers;
          try {
            pool = await step(hooks, `starting ${wk.count} workers`, () => WorkerPool.start({ count: wk.count, config: wk.config, cwd: wk.cwd, env: wk.env, shard, originEpoch: clock.originEpoch, connections: Math.ceil(maxConc / wk.count), signal: hooks.signal }));
          } catch (e) {
            await opened.target.close().catch(() => undefined);
            throw e;
          }
        }
      } catch (e) {
        // The first target failing means nothing can run: a setup error (exit 3) before any folder is made.
        if (!out && byTarget.size === 1) throw e;
        const err = e instanceof LlmbenchError ? { code: e.code, message: e.message } : { code: 'LLMBENCH_TARGET_FAILED', message: (e as Error).message };
        hooks.log(`target ${variant.value.model ?? ''} failed to open: ${err.message}`);
        for (const s of specs) {
          result.scenarios.push(emptyScenario(s, 'failed', err));
          failed++;
          scenarioIndex++;
        }
        out?.writeResults(result);
        continue;
      }
      result.target ??= opened.target.info;
      for (const w of opened.warnings ?? []) if (!result.warnings.some((x) => x.code === w.code && x.message === w.message)) result.warnings.push(w);
      if (!plan.name) result.name = opened.target.info.kind;
      if (opened.environment) result.environment = { ...result.environment, engine: opened.environment() };
      if (!out) {
        out = new RunOutput(plan.outDir, result.name, opened.target.info.model || firstModel || 'default', started, shard ? `_shard-${shard.index}-of-${shard.count}` : '');
        hooks.log(`results: ${out.dir}`);
        out.writeResults(result);
      }
      try {
        for (const spec of specs) {
          if (hooks.signal.aborted) break;
          scenarioIndex++;
          const workload = spec.workload.value.make(spec.id);
          const sessionsOf = spec.workload.value.sessions;
          const requests = sessionsOf ? plan.requests ?? spec.workload.value.defaultRequests : plan.durationMs !== null && plan.requests === null ? null : plan.requests ?? defaultRequests(spec.load, spec.workload.value.defaultRequests);
          hooks.log(`scenario ${scenarioIndex}/${matrix.length} ${spec.id}: ${describeLoad(spec.load)}, ${sessionsOf ? `${requests ?? "all"} sessions (load counts sessions)` : `${requests ?? `${(plan.durationMs! / 1000).toFixed(0)} s of`} requests`}${plan.repeats > 1 ? ` × ${plan.repeats} repeats` : ''}`);
          await step(hooks, `preparing the ${spec.id} workload`, () => prepareWorkload(plan, opened, workload, hooks.signal));
          const cacheState = await recordCacheState(opened, plan.cacheReset ?? true);
          const monitor = opened.monitors?.(spec.id) ?? null;
          await monitor?.start();
          const self = new SelfMonitor();
          const whole = closedLoopClients(spec.load, requests);
          // A shard's own summary counts only its own streams as clients (the merged run counts them all).
          const concurrency = shard && whole !== null ? (spec.load.mode === 'batch' ? ownedIndexes(whole, shard, null).length : streamsOf(whole, shard).length) : whole;
          const execCtx: ExecContext = {
              clock,
              target: opened.target,
              tokenizer: opened.tokenizer,
              signal: hooks.signal,
              graceMs: 3000,
              share: shard,
              startAt,
              onRecord: (r) => out!.appendRecord(r),
              rewriteRecords: ((mark) => (rs: RequestRecord[]) => out!.replaceFrom(mark, rs))(out!.mark()),
              onProgress: (p) => hooks.progress?.({ scenario: spec.id, index: scenarioIndex, count: matrix.length, repeats: plan.repeats, ...p }),
              onPrepare: (p) => hooks.preparing?.({ scenario: spec.id, index: scenarioIndex, count: matrix.length, repeats: plan.repeats, ...p }),
          };
          const fromWorkers: { reports: WorkerReport[] | null; failure: { code: string; message: string } | null } = { reports: null, failure: null };
          const runRes =
            pool
              ? await runOnWorkers(pool, spec.id, requests, workersPhaseEpoch, execCtx, plan.durationMs, (w, f) => Object.assign(fromWorkers, { reports: w, failure: f }), Boolean(sessionsOf))
              : await executeSpec(plan, spec, workload, requests, execCtx);
          hooks.progressDone?.();
          allRecords.push(...runRes.records);
          const measured = runRes.records.filter((r) => !r.warmup);
          const outTokens = measured.reduce((s, r) => s + (r.status === 'ok' ? r.output_tokens ?? 0 : 0), 0);
          const selfReport = self.stop(outTokens);
          const monitorReport = monitor ? await monitor.stop(outTokens) : null;
          const stats = summarizeScenario(runRes.records, { percentiles: plan.percentiles, slo: plan.slo, concurrency, measureWindow: plan.measureWindow ?? null });
          const warnings: Warning[] = [...selfReport.warnings];
          if (shard && concurrency === 0) warnings.push({ code: 'SHARD_IDLE', message: `this shard has no share of ${describeLoad(spec.load)}: ${whole} stream${whole === 1 ? '' : 's'} divided among ${shard.count} shards`, hint: 'closed loops divide their streams: use at least as many as there are shards' });
          if (stats.token_check.short > 0) {
            warnings.push({ code: 'OUTPUT_SHORT', message: `${stats.token_check.short} of ${stats.summary.requests_ok} requests came up short of the requested output length (every one is listed in token_check.short_requests)`, hint: stats.token_check.length_forced === false ? 'this server could not be asked to ignore EOS; compare output_tokens, not the requested length' : 'the server stopped early despite ignore_eos/min_tokens; check its stop settings' });
          }
          // Counted requests (a --measure-window may leave out some, or all, of the measured ones).
          const allFailed = stats.summary.requests_total > 0 && stats.summary.requests_ok === 0;
          if (plan.measureWindow && measured.length > 0 && stats.summary.requests_total === 0) warnings.push({ code: 'MEASURE_WINDOW_EMPTY', message: `no request of ${measured.length} was sent inside --measure-window ${plan.measureWindow.startMs / 1000}s,${plan.measureWindow.endMs / 1000}s: nothing was counted`, hint: 'the window counts from the timed phase\'s start: make the scenario longer (--duration, --requests) or the window earlier' });
          const wf = fromWorkers.failure;
          const workerReports = fromWorkers.reports;
          // Each worker's own loop: a late one delays the timestamps of the requests it sent.
          const lateWorker = workerReports?.find((w) => w.event_loop_delay_p99_ms !== null && w.event_loop_delay_p99_ms > LOOP_DELAY_LIMIT_MS);
          if (lateWorker) warnings.push({ code: 'CLIENT_EVENT_LOOP_DELAY', message: `worker ${lateWorker.worker}'s event loop was delayed by up to ${lateWorker.event_loop_delay_p99_ms!.toFixed(1)} ms (p99): timestamps of its requests may be late by as much`, hint: 'add workers (--workers), or run llmbench on a machine that is not also running the server' });
          const scen: ScenarioResult = {
            id: spec.id,
            dims: spec.dims,
            workload: workload.describe(),
            load: { ...spec.load, description: describeLoad(spec.load), requests, duration_ms: plan.durationMs, warmup: plan.warmup, repeats: plan.repeats },
            target: opened.target.info,
            status: wf ? 'failed' : runRes.interrupted ? 'interrupted' : allFailed ? 'failed' : 'ok',
            error: wf ?? (allFailed ? { code: 'LLMBENCH_SCENARIO_FAILED', message: `all ${measured.length} requests failed: ${mostCommonError(measured)}` } : null),
            ...stats,
            client: workerReports ? { ...selfReport.report, limited: selfReport.report.limited || Boolean(lateWorker), workers: workerReports } : selfReport.report,
            warnings,
          };
          if (monitorReport) Object.assign(scen, monitorReport);
          if (runRes.saturation) addSaturation(scen, runRes.saturation);
          if (sessionsOf) scen.by_turn = byTurn(runRes.records, plan.percentiles);
          scen.cache_state = finishCacheState(cacheState, scen);
          // In the order the requests were really sent (warmup included: it fills the cache too). A shard sends part
          // of the schedule to a server that sees all of it: it takes the whole schedule, in index order.
          const sentOrder = shard
            ? requests === null
              ? null
              : Array.from({ length: plan.repeats }, (_, rep) => Array.from({ length: plan.warmup + requests }, (_, k) => ({ repeat: rep, index: k - plan.warmup }))).flat()
            : [...runRes.records].sort((a, b) => (a.sent_at ?? a.scheduled_at) - (b.sent_at ?? b.scheduled_at));
          scen.prefix_cache_hit_rate_max = workload.prefixBlocks && !sessionsOf && sentOrder ? prefixCacheHitRateMax(sentOrder.map((r) => workload.prefixBlocks!(r.repeat, r.index))) : null;
          if (plan.repeats > 1) addRepeats(scen, runRes.records, plan, concurrency);
          if (opened.memory) scen.memory = await opened.memory().catch(() => null);
          await plan.enrichScenario?.(scen, runRes.records, opened);
          if (scen.status === 'failed') failed++;
          result.scenarios.push(scen);
          out!.writeResults(result);
          if (wf) {
            hooks.log(`scenario ${spec.id} failed: ${wf.message}; the run stops here (a dead worker's share cannot be sent)`);
            break;
          }
          if (runRes.interrupted) {
            result.interrupted = true;
            break;
          }
        }
      } finally {
        await pool?.close();
        await opened.target.close().catch(() => undefined);
      }
      if (pool?.broken) break;
      if (result.interrupted) break;
    }
  } finally {
    result.interrupted ||= hooks.signal.aborted;
    result.finished_at = new Date().toISOString();
    result.client = { limited: result.scenarios.some((s) => (s.client as { limited?: boolean } | undefined)?.limited) };
    if (out) {
      out.writeResults(result);
      out.close();
    }
    // After the final results.json, so a dashboard that sees the heartbeat go finds the finished run.
    heartbeat.stop();
  }
  return { result, dir: out?.dir ?? '', records: allRecords, failedScenarios: failed };
}

/** "the embedded engine (model x.gguf, threads 2)" or "the server": what is being opened, for progress. */
function describeVariant(v: Variant<TargetVariantValue>): string {
  const dims = Object.entries(v.dims).map(([k, x]) => `${k} ${String(x)}`);
  const model = v.value.model && !('model' in v.dims) ? [`model ${v.value.model}`] : [];
  const all = [...model, ...dims];
  return `the target${all.length ? ` (${all.join(', ')})` : ''}`;
}

/** Prepares a scenario's workload on an opened target (tokenizer, and a probe for the server's own counts). */
export function prepareWorkload(plan: RunPlan, opened: OpenedTarget, workload: Workload, signal: AbortSignal): Promise<void> {
  return workload.prepare({ api: plan.api, tokenizer: opened.tokenizer, seed: plan.seed, signal, probe: (item) => probeUsage(opened.target, item, plan.timeoutMs) });
}

/**
 * Runs one scenario of the plan in this process, under ctx's share: conversations by sessions (./sessions.ts),
 * everything else request by request (./execute.ts). `settings` overrides the plan's (a worker's warmup).
 */
export function executeSpec(plan: RunPlan, spec: ScenarioSpec<TargetVariantValue, WorkloadVariantValue>, workload: Workload, requests: number | null, ctx: ExecContext, settings: Partial<ExecSettings> = {}): Promise<ScenarioRun> {
  const sessionsOf = spec.workload.value.sessions;
  const exec = { ...pickExec(plan), ...settings, id: spec.id, workload, load: spec.load, requests };
  return sessionsOf && isSessionWorkload(workload)
    ? executeSessions({ ...exec, sessions: requests, thinkTime: sessionsOf.thinkTime, maxTokens: sessionsOf.maxTokens, api: plan.api }, workload, ctx)
    : executeScenario(exec, ctx);
}

/** One request with 1 output token, for prompt-size calibration; returns usage.prompt_tokens or null. */
async function probeUsage(target: Target, item: PromptItem, timeoutMs: number): Promise<number | null> {
  let prompt: number | null = null;
  const noop = () => undefined;
  await target
    .send(
      { id: `llmbench-probe-${randomUUID()}`, messages: item.messages, prompt: item.prompt, max_tokens: 1, force_length: false, temperature: 0, seed: null, extra_body: {} },
      { headers: noop, delta: noop, serverTimings: noop, engine: noop, finish: noop, note: noop, retry: noop, usage: (u) => void (prompt = u.prompt_tokens ?? null) },
      AbortSignal.timeout(timeoutMs),
    )
    .catch(() => undefined);
  return prompt;
}

function pickExec(p: ExecSettings): ExecSettings {
  const { requests, durationMs, warmup, repeats, timeoutMs, temperature, seed, extraBody, keepText, measureWindow, stopWhenSaturated } = p;
  return { requests, durationMs, warmup, repeats, timeoutMs, temperature, seed, extraBody, keepText, measureWindow, stopWhenSaturated };
}

/** --stop-when-saturated: the verdict on the scenario (docs/metrics.md "Saturation"), and a warning when it fired. */
function addSaturation(scen: ScenarioResult, s: NonNullable<ScenarioRun['saturation']>): void {
  scen.saturated = s.saturated;
  scen.saturated_at_ms = s.saturated_at_ms;
  const fit = (f: SlopeFit | null | undefined) => (f ? { slope_per_s: f.slope, ci95: [f.lo, f.hi], n: f.n } : null);
  scen.saturation = { window_ms: SATURATION_DEFAULTS.windowMs, min_samples: SATURATION_DEFAULTS.minSamples, confidence: SATURATION_DEFAULTS.confidence, inflight: fit(s.last?.inflight), ttft_ms: fit(s.last?.ttft) };
  if (s.saturated) {
    scen.warnings.push({ code: 'SATURATED', message: `stopped ${s.phaseStart !== null ? `${((s.saturated_at_ms! - s.phaseStart) / 1000).toFixed(1)} s into the timed phase (${(s.saturated_at_ms! / 1000).toFixed(1)} s on the run clock)` : `at ${(s.saturated_at_ms! / 1000).toFixed(1)} s on the run clock`}: requests in flight and TTFT kept growing (95 % confidence intervals of both slopes above 0), so the server could not keep up with ${(scen.load as { description?: string }).description ?? 'this rate'}; its latencies measure a growing queue`, hint: 'compare lower rates, or read the rate at which saturation starts from a sweep' });
  }
}

/**
 * One scenario on the worker processes: the same ExecContext callbacks as in-process (records to the writer,
 * progress), with the records arriving over IPC. `report` receives the per-worker figures and a worker's failure.
 */
async function runOnWorkers(
  pool: WorkerPool,
  id: string,
  requests: number | null,
  phaseEpoch: () => Promise<number | null>,
  ctx: ExecContext,
  durationMs: number | null,
  report: (workers: WorkerReport[], failure: { code: string; message: string } | null) => void,
  sessions = false,
): Promise<ScenarioRun> {
  const records: RequestRecord[] = [];
  const counts = new Map<number, { done: number; failed: number }>();
  const t0 = ctx.clock.now();
  const res = await pool.runScenario(id, requests, phaseEpoch, (r) => {
    records.push(r);
    // Written as they arrive, so a crash keeps them. Session records are numbered by each worker for its own sends:
    // once all are in they are rewritten, renumbered in the send order of the whole run (./sessions.ts).
    ctx.onRecord(r);
    if (r.warmup) return;
    const c = counts.get(r.repeat) ?? { done: 0, failed: 0 };
    c.done++;
    if (r.status !== 'ok') c.failed++;
    counts.set(r.repeat, c);
    // Records count turns and `requests` counts sessions: no total, as in one process.
    ctx.onProgress?.({ repeat: r.repeat, done: c.done, failed: c.failed, total: sessions ? null : requests, elapsedMs: ctx.clock.now() - t0, durationMs });
  });
  report(res.workers, res.failure);
  if (sessions) ctx.rewriteRecords?.([...renumberSessionRecords(records)].sort((a, b) => a.repeat - b.repeat || a.index - b.index));
  return { records, interrupted: res.interrupted };
}

function mostCommonError(records: RequestRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) if (r.error) counts.set(r.error.message, (counts.get(r.error.message) ?? 0) + 1);
  let best = '';
  let n = 0;
  for (const [m, c] of counts) if (c > n) [best, n] = [m, c];
  return best || 'unknown error';
}

export function addRepeats(scen: ScenarioResult, records: RequestRecord[], plan: Pick<RunPlan, 'repeats' | 'percentiles' | 'slo' | 'measureWindow'>, concurrency: number | null): void {
  scen.repeats = [];
  for (let k = 0; k < plan.repeats; k++) {
    const rs = records.filter((r) => r.repeat === k);
    if (!rs.length) continue;
    const s = summarizeScenario(rs, { percentiles: plan.percentiles, slo: plan.slo, concurrency, measureWindow: plan.measureWindow ?? null });
    scen.repeats.push({ repeat: k, summary: s.summary, metrics: s.metrics });
  }
  const keys = ['request_throughput', 'output_token_throughput', 'total_token_throughput', 'output_tokens_per_client', 'goodput'] as const;
  const sp: NonNullable<ScenarioResult['repeat_spread']> = {};
  for (const k of keys) sp[k] = spread(scen.repeats.map((r) => r.summary[k] as number | null));
  for (const m of ['ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms'] as const) {
    for (const stat of ['mean', 'p50', 'p90', 'p99'] as const) sp[`${m}.${stat}`] = spread(scen.repeats.map((r) => r.metrics[m]?.[stat] ?? null));
  }
  scen.repeat_spread = sp;
}

export type { TargetInfo };
