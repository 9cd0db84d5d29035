/**
 * Executes one scenario: warmup, then the timed phase under its load, repeated --repeat times. Every finished
 * request is handed to `onRecord` at once (the caller appends it to requests.jsonl), so an interrupt or a crash
 * keeps everything completed so far.
 *
 * Timing rules (docs/metrics.md): latencies run from the actual send (sent_at), as the peers measure them; each
 * record also keeps scheduled_at, the time the schedule meant it to start, so client-side queueing shows as
 * schedule_lag_ms. Prompts for count-based runs are built before the timed phase, so building them (which may
 * call a tokenizer) never delays a send.
 */
import { type RunClock } from '../core/clock.js';
import { type RequestRecord } from '../core/record.js';
import { type Tokenizer } from '../core/tokenizer.js';
import { type MeasureWindow } from '../metrics/summarize.js';
import { type SaturationCheck, SaturationDetector, SATURATION_DEFAULTS } from '../metrics/saturation.js';
import { arrivalOffsets, closedLoopClients, closedLoopStreams, type LoadSpec } from '../schedules/schedule.js';
import { isWhole, ownedIndexes, ownsArrival, type Share, streamRequest, streamsOf } from '../schedules/partition.js';
import { type Target } from '../targets/target.js';
import { type PromptItem, type Workload } from '../workloads/workload.js';
import { sendRequest } from './send.js';

/** How each scenario of a run is executed (shared by every scenario; RunPlan extends it). */
export interface ExecSettings {
  /** Requests per repeat; null when --duration bounds the phase instead. */
  requests: number | null;
  durationMs: number | null;
  warmup: number;
  repeats: number;
  timeoutMs: number;
  temperature: number | null;
  seed: number;
  extraBody: Record<string, unknown>;
  keepText: boolean;
  /** --measure-window: timed records carry `phase_started_at` so the summary can count the window. */
  measureWindow?: MeasureWindow | null;
  /** --stop-when-saturated (open-loop rates): stop the scenario once ../metrics/saturation.ts says so. */
  stopWhenSaturated?: boolean;
}

export interface ScenarioPlan extends ExecSettings {
  id: string;
  workload: Workload;
  load: LoadSpec;
}

export interface ExecContext {
  clock: RunClock;
  target: Target;
  tokenizer: Tokenizer | null;
  /** Ctrl-C / SIGTERM: stop scheduling, let in-flight requests finish for graceMs, then abort them. */
  signal: AbortSignal;
  graceMs: number;
  onRecord(rec: RequestRecord): void;
  /** Rewrites every record this scenario handed to onRecord as `records` (indexes renumbered after the fact). */
  rewriteRecords?(records: RequestRecord[]): void;
  /** This sender's share of the schedule (--shard, ../schedules/partition.ts); absent: all of it. */
  share?: Share | null;
  /**
   * The run-clock instant the timed phase of `repeat` starts (--start-at, or the shards' barrier); it resolves
   * once the clock has reached it (or at once when that instant is past). Absent: the phase starts at once.
   */
  startAt?(repeat: number): Promise<number>;
  onProgress?(p: { repeat: number; done: number; failed: number; total: number | null; elapsedMs: number; durationMs: number | null }): void;
  /** Prompts built ahead of the measured phase (after each one), so a slow preparation can show progress. */
  onPrepare?(p: { repeat: number; prepared: number; total: number; elapsedMs: number }): void;
}

export interface ScenarioRun {
  records: RequestRecord[];
  interrupted: boolean;
  /** --stop-when-saturated: whether the detector stopped the scenario, when, and its last fits; absent without the flag. */
  saturation?: { saturated: boolean; saturated_at_ms: number | null; last: SaturationCheck | null; phaseStart: number | null };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function executeScenario(plan: ScenarioPlan, ctx: ExecContext): Promise<ScenarioRun> {
  const records: RequestRecord[] = [];
  // In-flight requests, so an interrupt's grace period can end them all with one timer (not one listener each).
  const inflightControllers = new Set<AbortController>();
  let interrupted = ctx.signal.aborted;
  const onInterrupt = () => {
    interrupted = true;
    setTimeout(() => {
      for (const c of inflightControllers) c.abort('aborted');
    }, ctx.graceMs).unref();
  };
  ctx.signal.addEventListener('abort', onInterrupt, { once: true });
  // --stop-when-saturated: scheduling stops as on an interrupt (in-flight requests get the same grace, then are
  // aborted), but the run goes on to its next scenario.
  const detector = plan.stopWhenSaturated ? new SaturationDetector(SATURATION_DEFAULTS) : null;
  let saturatedAt: number | null = null;
  let lastCheck: SaturationCheck | null = null;
  let lastCheckAt = -Infinity;
  const stopped = () => interrupted || saturatedAt !== null;
  const observe = () => {
    const now = ctx.clock.now();
    // At most one fit per 50 ms: a fit is linear in the window's samples, and samples come at every send/finish.
    if (!detector || saturatedAt !== null || now - lastCheckAt < 50) return;
    lastCheckAt = now;
    lastCheck = detector.check();
    if (!lastCheck.saturated) return;
    saturatedAt = now;
    setTimeout(() => {
      for (const c of inflightControllers) c.abort('aborted');
    }, ctx.graceMs).unref();
  };

  // The current repeat's timed-phase start, which --measure-window counts from.
  let phaseStart: number | null = null;
  const sendOne = async (item: PromptItem, repeat: number, index: number, warmup: boolean, scheduledAt: number): Promise<RequestRecord> => {
    const { record: r, text } = await sendRequest(
      {
        scenarioId: plan.id,
        timeoutMs: plan.timeoutMs,
        temperature: plan.temperature,
        seed: plan.seed,
        extraBody: plan.extraBody,
        // The text is collected whenever something reads it (scoring, or the tokenizer counting outputs the server
        // gave no usage for), whether or not it is saved: a count must not depend on --save-text.
        collectText: plan.keepText || Boolean(plan.workload.score) || ctx.tokenizer !== null,
      },
      ctx.target,
      ctx.clock,
      ctx.tokenizer,
      item,
      { repeat, index, warmup, scheduled_at: scheduledAt },
      inflightControllers,
    );
    if (plan.workload.score && r.status === 'ok') r.answer = plan.workload.score(item, text);
    // Where the request came from in a trace, or which shared prefix it drew (docs/metrics.md).
    if (typeof item.meta?.trace_line === 'number') r.trace_line = item.meta.trace_line;
    if (typeof item.meta?.prefix_group === 'number') r.prefix_group = item.meta.prefix_group;
    if (!plan.keepText) delete r.output_text;
    if (plan.measureWindow && !warmup && phaseStart !== null) r.phase_started_at = phaseStart;
    records.push(r);
    ctx.onRecord(r);
    return r;
  };

  try {
    for (let repeat = 0; repeat < plan.repeats && !stopped(); repeat++) {
      // Warmup: sequential, not counted, but kept in requests.jsonl (warmup: true) for transparency.
      for (let w = 0; w < plan.warmup && !interrupted; w++) {
        const item = await plan.workload.item(repeat, -plan.warmup + w);
        await sendOne(item, repeat, -plan.warmup + w, true, ctx.clock.now());
      }
      if (interrupted) break;
      const load: LoadSpec = plan.load;
      const share = isWhole(ctx.share) ? null : ctx.share!;
      const streams = closedLoopStreams(load);
      const pre = new Map<number, PromptItem>();
      if (plan.requests !== null) {
        const t0 = performance.now();
        // A shard builds only the prompts it sends (every prompt is a pure function of its index).
        const mine = share ? ownedIndexes(plan.requests, share, streams) : Array.from({ length: plan.requests }, (_, i) => i);
        for (const i of mine) {
          if (interrupted) break;
          pre.set(i, await plan.workload.item(repeat, i));
          ctx.onPrepare?.({ repeat, prepared: pre.size, total: mine.length, elapsedMs: performance.now() - t0 });
        }
      }
      if (interrupted) break;
      const getItem = (i: number) => pre.get(i) ?? plan.workload.item(repeat, i);

      const start = ctx.startAt ? await ctx.startAt(repeat) : ctx.clock.now();
      phaseStart = start;
      if (interrupted) break;
      const deadline = plan.durationMs !== null ? start + plan.durationMs : Infinity;
      const total = plan.requests ?? Infinity;
      let done = 0;
      let failed = 0;
      // A shard's progress counts toward its own share.
      const shareTotal = plan.requests !== null && share ? ownedIndexes(plan.requests, share, streams).length : plan.requests;
      const progress = () => ctx.onProgress?.({ repeat, done, failed, total: shareTotal, elapsedMs: ctx.clock.now() - start, durationMs: plan.durationMs });
      const tracked = async (item: PromptItem, i: number, at: number) => {
        const r = await sendOne(item, repeat, i, false, at);
        done++;
        if (r.status !== 'ok') failed++;
        progress();
        return r;
      };

      if (load.mode === 'rate' || load.mode === 'trace' || (load.mode === 'batch' && share)) {
        // A shard computes the whole schedule and sends its arrivals at their times; a sharded batch is every
        // owned request at the start. A trace brings its own times (the first --requests of them).
        const offsets =
          load.mode === 'rate'
            ? arrivalOffsets(load.rate, load.arrival, plan.seed + repeat, plan.requests, plan.durationMs)
            : load.mode === 'trace'
              ? (plan.workload.arrivals?.() ?? []).slice(0, plan.requests ?? undefined)
              : new Array<number>(plan.requests ?? 1).fill(0);
        const cap = load.mode === 'rate' ? load.concurrency : null;
        const inflight = new Set<Promise<void>>();
        // Index of the first arrival not sent yet. With a --concurrency cap the backlog of arrivals already due but
        // held back by the cap is the client's own queue: the detector counts it with the requests in flight,
        // since the cap pins those. (A shard, which owns only some arrivals, counts in-flight requests alone.)
        let unsent = 0;
        const held = () => {
          if (cap === null || share) return 0;
          const now = ctx.clock.now() - start;
          let lo = unsent;
          let hi = offsets.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (offsets[mid]! <= now) lo = mid + 1;
            else hi = mid;
          }
          return lo - unsent;
        };
        for (let i = 0; i < offsets.length && !stopped(); i++) {
          if (share && !ownsArrival(i, share)) continue;
          const at = start + offsets[i]!;
          const item = await getItem(i);
          // Timers may fire a fraction of a millisecond early: wait until the clock has really reached `at`.
          for (let wait = at - ctx.clock.now(); wait > 0; wait = at - ctx.clock.now()) await sleep(wait);
          if (stopped()) break;
          while (cap !== null && inflight.size >= cap) await Promise.race(inflight);
          if (stopped()) break;
          const p: Promise<void> = tracked(item, i, at).then((r) => {
            inflight.delete(p);
            if (!detector) return;
            detector.addInflight(ctx.clock.now(), inflight.size + held());
            // With a cap, a request's wait for a slot is part of its wait for the first token (as the backlog is
            // part of the in-flight count): TTFT from the scheduled time. Without one, the usual TTFT.
            if (r.first_token_at !== null && r.ttft_ms !== null) detector.addTtft(r.first_token_at, cap !== null && !share ? r.first_token_at - r.scheduled_at : r.ttft_ms);
            observe();
          }, (e: unknown) => {
            inflight.delete(p);
            throw e;
          });
          inflight.add(p);
          unsent = i + 1;
          if (detector) {
            detector.addInflight(ctx.clock.now(), inflight.size + held());
            observe();
          }
        }
        await Promise.all(inflight);
      } else if (share) {
        // Closed loop, divided: this shard runs its streams, each sending its fixed sequence of indexes.
        const runStream = async (j: number) => {
          for (let k = 0; !interrupted && ctx.clock.now() < deadline; k++) {
            const i = streamRequest(j, streams!, k);
            if (i >= total) break;
            await tracked(await getItem(i), i, k === 0 ? start : ctx.clock.now());
          }
        };
        await Promise.all(streamsOf(streams!, share).map(runStream));
      } else {
        const workers = closedLoopClients(load, plan.requests) ?? 1;
        let next = 0;
        const worker = async () => {
          while (!interrupted && next < total && ctx.clock.now() < deadline) {
            const i = next++;
            const item = await getItem(i);
            // A batch is scheduled all at once; a closed loop schedules each request when a slot frees.
            await tracked(item, i, load.mode === 'batch' ? start : ctx.clock.now());
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, total)) }, worker));
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', onInterrupt);
  }
  return { records, interrupted, ...(detector ? { saturation: { saturated: saturatedAt !== null, saturated_at_ms: saturatedAt, last: lastCheck ?? detector.check(), phaseStart } } : {}) };
}
