/**
 * A worker process of `llmbench run --workers N` (./workers.ts forks it). It gets the run's configuration, builds
 * the same plan as its parent, opens the same target, and for each scenario the parent names makes the same
 * workload (prompts are pure functions of seed, scenario and index) and runs executeScenario with its share of
 * the schedule. Its clock has the parent's zero, so every record it sends back reads as if the parent had sent the
 * request. The parent is the one writer: records go back over IPC, nothing is written here.
 *
 * Messages (parent → worker): init, scenario, start, abort. (worker → parent): opened, error, ready, records, done.
 */
import { RunClock } from '../core/clock.js';
import { type RequestRecord } from '../core/record.js';
import { LlmbenchError } from '../core/errors.js';
import { type RunConfig } from './config.js';
import { buildRunPlan } from './plan.js';
import { buildMatrix } from './matrix.js';
import { type ExecContext } from './execute.js';
import { executeSpec, prepareWorkload, type OpenedTarget, type RunPlan } from './run.js';
import { SelfMonitor } from './self-monitor.js';
import { waitUntil } from './shard-sync.js';
import { type Share } from '../schedules/partition.js';
import { type ToParent, type ToWorker } from './workers.js';

const send = (m: ToParent): void => {
  process.send?.(m);
};

// Ctrl-C in a terminal reaches the whole process group: the parent decides (it forwards 'abort'), not the worker.
process.on('SIGINT', () => undefined);
// The parent is gone (ended or crashed): nothing may keep sending load on its behalf.
process.on('disconnect', () => process.exit(0));

const abort = new AbortController();
let plan: RunPlan | null = null;
let opened: OpenedTarget | null = null;
let clock: RunClock | null = null;
let share: Share | null = null;
let first = false;
let worker = 0;
let sent = 0;
/**
 * TEST ONLY (test/runner/workers.test.ts): LLMBENCH_TEST_KILL_WORKER=W:N makes worker W kill itself with SIGKILL
 * once it has sent N records, so the test sees a worker die mid-scenario the way a crash or the OOM killer ends
 * one. Unset in every real run.
 */
const killHook = /^(\d+):(\d+)$/.exec(process.env.LLMBENCH_TEST_KILL_WORKER ?? '');
let killAfter = -1;
function killSelf(): void {
  // Once the last record has left: the parent must have received everything sent before the death.
  process.send?.(takeBatch(), () => process.kill(process.pid, 'SIGKILL'));
}

/**
 * Records go back in batches (at most BATCH_MS late, BATCH_RECORDS at a time): one IPC message per record cost
 * both processes a wake-up each. A batch is always sent before the scenario's 'done'.
 */
const BATCH_MS = 20;
const BATCH_RECORDS = 64;
let batch: RequestRecord[] = [];
let flushTimer: NodeJS.Timeout | null = null;
function takeBatch(): ToParent {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  const records = batch;
  batch = [];
  return { type: 'records', records };
}
function flush(): void {
  if (batch.length) send(takeBatch());
}
const starts: Array<(epoch: number) => void> = [];
const pendingStarts: number[] = [];

function fail(e: unknown): never {
  send({ type: 'error', code: e instanceof LlmbenchError ? e.code : 'LLMBENCH_WORKER_FAILED', message: (e as Error)?.message ?? String(e) });
  // Let the message leave before exiting: exit code 1 marks the worker as failed either way.
  setTimeout(() => process.exit(1), 50);
  throw e;
}

async function init(m: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  // Perplexity is measured once, by the parent; the worker only sends the schedule's requests. Its share and start
  // instants come from the parent, so the shard settings are dropped (a --start-at near the end of its lead time
  // must not be refused here a moment after the parent accepted it).
  const config: RunConfig = { ...m.config, workers: 1, shard: null, startAt: null, quality: m.config.quality ? { ...m.config.quality, perplexity: null } : undefined };
  plan = await buildRunPlan(config, { cwd: m.cwd, env: process.env, signal: abort.signal, log: () => undefined });
  clock = RunClock.sharing(m.originEpoch);
  share = m.share;
  first = m.worker === 0;
  worker = m.worker;
  if (killHook && Number(killHook[1]) === worker) killAfter = Number(killHook[2]);
  opened = await plan.openTarget(plan.targets[0]!.value, m.connections, clock);
  send({ type: 'opened' });
}

/** The next start instant the parent sends (epoch ms). */
function nextStart(): Promise<number> {
  const e = pendingStarts.shift();
  if (e !== undefined) return Promise.resolve(e);
  return new Promise((r) => starts.push(r));
}

async function runScenario(m: Extract<ToWorker, { type: 'scenario' }>): Promise<void> {
  const p = plan!;
  const spec = buildMatrix(p.targets, p.workloads, p.loads).find((s) => s.id === m.id);
  if (!spec) throw new Error(`scenario ${m.id} is not in this worker's plan`);
  const workload = spec.workload.value.make(spec.id);
  await prepareWorkload(p, opened!, workload, abort.signal);
  const self = new SelfMonitor();
  const ctx: ExecContext = {
    clock: clock!,
    target: opened!.target,
    tokenizer: opened!.tokenizer,
    signal: abort.signal,
    graceMs: 3000,
    share,
    startAt: async (repeat) => {
      send({ type: 'ready', repeat });
      const at = clock!.fromEpoch(await nextStart());
      await waitUntil(clock!, at, abort.signal);
      return at;
    },
    onRecord: (r) => {
      batch.push(r);
      if (++sent === killAfter) killSelf();
      else if (batch.length >= BATCH_RECORDS) flush();
      else flushTimer ??= setTimeout(flush, BATCH_MS);
    },
  };
  // Warmup requests are sent once, by worker 0, as one process sends them once. Conversations: this worker's
  // sessions, whole (the parent renumbers their indexes in send order).
  const run = await executeSpec(p, spec, workload, m.requests, ctx, { warmup: first ? p.warmup : 0 });
  flush();
  const report = self.stop(0).report;
  send({ type: 'done', interrupted: run.interrupted, cpu_s: report.cpu_s, event_loop_delay_p99_ms: report.event_loop_delay_p99_ms });
}

// One message at a time, in order: a scenario runs to its end before the next is read (start and abort are not
// queued behind it).
let queue: Promise<void> = Promise.resolve();
process.on('message', (m: ToWorker) => {
  if (m.type === 'abort') {
    abort.abort();
    // A worker waiting for a start that will never come ends its scenario now.
    for (const r of starts.splice(0)) r(Date.now());
    return;
  }
  if (m.type === 'start') {
    const r = starts.shift();
    if (r) r(m.epoch);
    else pendingStarts.push(m.epoch);
    return;
  }
  queue = queue.then(() => (m.type === 'init' ? init(m) : runScenario(m))).catch(fail);
});
