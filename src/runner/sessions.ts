/**
 * Executes a conversation scenario: sessions instead of independent requests. A session sends its turns in
 * order, each carrying the model's real answers to the earlier turns (so a turn starts only when the previous
 * one has ended), with an optional think time between them. The load applies to sessions:
 * - sequential / `--concurrency C`: C sessions at once; a new one starts when one ends (closed loop);
 * - `--rate R`: new sessions arrive at R per second (the --arrival process), `--concurrency` capping sessions in
 *   flight; `--batch`: every session starts at once.
 * `--duration` stops starting sessions at the deadline (sessions under way finish). A failed turn ends its
 * session: the next turn has no answer to carry.
 *
 * Records carry `session_id` and `turn` (1-based); `index` counts the scenario's requests in the order they were
 * sent. scheduled_at of a session's first turn is its arrival time; of a later turn, the end of the previous turn
 * plus the think time, so schedule_lag_ms stays the client's own delay.
 *
 * Divided among senders (--shard, --workers: ctx.share), sessions go WHOLE to one sender, since a turn carries the
 * answers to the earlier turns: open loop (and batch), session s (arrival order) by sender s mod N at its scheduled
 * arrival; closed loop, the C session streams divided j mod N, stream j running sessions j, j+C, j+2C, ... (as
 * ../schedules/partition.ts divides request streams). Nothing a sender sends depends on another sender: prompts
 * are pure functions of (seed, session, turn) and think times of (seed, repeat, session, turn). A sender cannot
 * know the global send order, so its `index` counts its own sends; whoever gathers the records of several senders
 * (the workers' parent, `llmbench merge`) renumbers them with renumberSessionRecords.
 */
import { type RequestRecord } from '../core/record.js';
import { Rng } from '../core/rng.js';
import { isWhole, ownedIndexes, ownsArrival, type Share, streamRequest, streamsOf } from '../schedules/partition.js';
import { arrivalOffsets, closedLoopStreams, type LoadSpec } from '../schedules/schedule.js';
import { type SessionWorkload, turnPrompt } from '../workloads/conversations/session-workload.js';
import { type ExecContext, type ScenarioPlan, type ScenarioRun } from './execute.js';
import { sendRequest } from './send.js';

/** Pause between a session's turns: fixed, or exponential with that mean ("exp:2s"). */
export type ThinkTime = { kind: 'fixed'; ms: number } | { kind: 'exp'; ms: number };

export interface SessionPlanExtra {
  /** Sessions to run (null: all the workload has). */
  sessions: number | null;
  thinkTime: ThinkTime | null;
  maxTokens: number | null;
  api: 'chat' | 'completions' | 'native';
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    if (ms <= 0 || signal.aborted) return r();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      r();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The sessions (0 … total−1) a sender runs, in the order it starts them per stream: open loop and batch, s mod N;
 * closed loop, its streams' fixed sequences j, j+C, j+2C, ... Whole share: every session.
 */
export function senderSessions(total: number, share: Share | null | undefined, load: LoadSpec): number[] {
  if (isWhole(share)) return Array.from({ length: total }, (_, i) => i);
  const streams = closedLoopStreams(load);
  return ownedIndexes(total, share!, streams);
}

/**
 * Think times are drawn per session (its own generator, seeded by seed, repeat and session, drawn in turn order),
 * so turn t's pause is the same whichever sender runs the session and whatever the other sessions did.
 */
function thinkSeed(seed: number, repeat: number, session: number): number {
  return (Math.imul(seed * 7919 + repeat + 1, 0x85ebca6b) ^ Math.imul(session + 1, 0x9e3779b1)) >>> 0;
}

/** The pauses after turns 1 … n−1 of session `session` (0-based arrival order): a pure function of its arguments. */
export function sessionThinkTimes(think: ThinkTime | null, seed: number, repeat: number, session: number, turns: number): number[] {
  const rng = new Rng(thinkSeed(seed, repeat, session));
  return Array.from({ length: Math.max(0, turns - 1) }, () => (think === null ? 0 : think.kind === 'fixed' ? think.ms : rng.exponential(1 / think.ms)));
}

/**
 * Session records gathered from several senders (each numbered its own sends): `index` renumbered per scenario
 * and repeat in send order (sent_at, else scheduled_at; then session_id, turn), so each index appears once and
 * index order is send order, as in one process. Records without a session are left alone. Sets `index` in place
 * and returns the same array (its order unchanged).
 */
export function renumberSessionRecords(records: RequestRecord[]): RequestRecord[] {
  const groups = new Map<string, RequestRecord[]>();
  for (const r of records) {
    if (r.session_id === undefined || r.warmup) continue;
    const k = `${r.scenario_id}\u0000${r.repeat}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  for (const g of groups.values()) {
    g.sort((a, b) => (a.sent_at ?? a.scheduled_at) - (b.sent_at ?? b.scheduled_at) || (a.session_id! < b.session_id! ? -1 : a.session_id! > b.session_id! ? 1 : 0) || (a.turn ?? 0) - (b.turn ?? 0));
    g.forEach((r, i) => (r.index = i));
  }
  return records;
}

export async function executeSessions(plan: ScenarioPlan & SessionPlanExtra, workload: SessionWorkload, ctx: ExecContext): Promise<ScenarioRun> {
  const records: RequestRecord[] = [];
  const inflight = new Set<AbortController>();
  let interrupted = ctx.signal.aborted;
  const onInterrupt = () => {
    interrupted = true;
    setTimeout(() => {
      for (const c of inflight) c.abort('aborted');
    }, ctx.graceMs).unref();
  };
  ctx.signal.addEventListener('abort', onInterrupt, { once: true });
  const total = Math.min(plan.sessions ?? Infinity, workload.sessionCount());

  try {
    for (let repeat = 0; repeat < plan.repeats && !interrupted; repeat++) {
      const share = isWhole(ctx.share) ? null : ctx.share!;
      // Shards and workers start their phase together at the instant they were given.
      const start = ctx.startAt ? await ctx.startAt(repeat) : ctx.clock.now();
      if (interrupted) break;
      const deadline = plan.durationMs !== null ? start + plan.durationMs : Infinity;
      let index = 0;
      let done = 0;
      let failed = 0;
      const progress = () => ctx.onProgress?.({ repeat, done, failed, total: null, elapsedMs: ctx.clock.now() - start, durationMs: plan.durationMs });

      const runSession = async (s: number, arrivedAt: number): Promise<void> => {
        const spec = workload.session(s);
        const history: Array<{ user: string; answer: string }> = [];
        const pauses = sessionThinkTimes(plan.thinkTime, plan.seed, repeat, s, spec.turns);
        let scheduledAt = arrivedAt;
        for (let t = 0; t < spec.turns && !interrupted; t++) {
          const turn = await workload.turn(s, t);
          const item = turnPrompt(plan.api, spec.system, history, turn, plan.maxTokens, null);
          const { record, text } = await sendRequest(
            // A session's next turn sends the answer back as history, so the text is always collected.
            { scenarioId: plan.id, timeoutMs: plan.timeoutMs, temperature: plan.temperature, seed: plan.seed, extraBody: plan.extraBody, collectText: true },
            ctx.target,
            ctx.clock,
            ctx.tokenizer,
            item,
            { repeat, index: index++, warmup: false, scheduled_at: scheduledAt },
            inflight,
          );
          record.session_id = spec.id;
          record.turn = t + 1;
          if (!plan.keepText) delete record.output_text;
          records.push(record);
          ctx.onRecord(record);
          done++;
          if (record.status !== 'ok') failed++;
          progress();
          if (record.status !== 'ok') return;
          history.push({ user: turn.user, answer: text });
          if (t + 1 < spec.turns) {
            const think = pauses[t]!;
            scheduledAt = ctx.clock.now() + think;
            await sleep(think, ctx.signal);
          }
        }
      };

      const load = plan.load;
      if (load.mode === 'rate') {
        const offsets = arrivalOffsets(load.rate, load.arrival, plan.seed + repeat, Number.isFinite(total) ? total : null, plan.durationMs);
        const running = new Set<Promise<void>>();
        for (let i = 0; i < offsets.length && i < total && !interrupted; i++) {
          if (share && !ownsArrival(i, share)) continue;
          const at = start + offsets[i]!;
          for (let wait = at - ctx.clock.now(); wait > 0 && !interrupted; wait = at - ctx.clock.now()) await sleep(wait, ctx.signal);
          if (interrupted) break;
          while (load.concurrency !== null && running.size >= load.concurrency) await Promise.race(running);
          const p: Promise<void> = runSession(i, at).finally(() => running.delete(p));
          running.add(p);
        }
        await Promise.all(running);
      } else if (share && load.mode === 'batch') {
        // A divided batch: every owned session at the start.
        await Promise.all(senderSessions(total, share, load).map((s) => runSession(s, start)));
      } else if (share) {
        // Closed loop, divided: this sender runs its streams, each its fixed sequence of sessions.
        const streams = closedLoopStreams(load)!;
        const runStream = async (j: number) => {
          for (let k = 0; !interrupted && ctx.clock.now() < deadline; k++) {
            const s = streamRequest(j, streams, k);
            if (s >= total) break;
            await runSession(s, k === 0 ? start : ctx.clock.now());
          }
        };
        await Promise.all(streamsOf(streams, share).map(runStream));
      } else {
        const workers = load.mode === 'sequential' ? 1 : load.mode === 'concurrency' ? load.concurrency : total;
        let next = 0;
        const worker = async () => {
          while (!interrupted && next < total && ctx.clock.now() < deadline) {
            const s = next++;
            await runSession(s, load.mode === 'batch' ? start : ctx.clock.now());
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, total)) }, worker));
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', onInterrupt);
  }
  return { records, interrupted };
}
