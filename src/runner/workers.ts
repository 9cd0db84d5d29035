/**
 * `llmbench run --workers N`: the parent side. N worker processes (./worker-main.ts) divide one run's load, all
 * driven by one schedule. Processes, not threads: each has its own event loop and can report its own CPU time.
 *
 * Division reuses ../schedules/partition.ts: worker w of W sends share {index: w, count: W} (open loop, arrival i
 * when i mod W = w; closed loop, streams j mod W = w; batch, by index). Under --shard I/N the worker's share is
 * {index: I + N·w, count: N·W}: a sub-share of the shard (index mod N = I still holds for all it sends).
 *
 * Each timed phase starts together: every worker builds its prompts, says 'ready', and the parent sends one start
 * instant (epoch ms a little in the future, or the shards' --start-at / barrier instant) that every worker waits
 * for on its own clock, which has the parent's zero. Records come back over IPC; the parent writes them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { epochNow } from '../core/clock.js';
import { EXIT_CODES, LlmbenchError } from '../core/errors.js';
import { type RequestRecord } from '../core/record.js';
import { type Share } from '../schedules/partition.js';
import { type RunConfig } from './config.js';

export type ToWorker =
  | { type: 'init'; config: RunConfig; cwd: string; share: Share; worker: number; originEpoch: number; connections: number }
  | { type: 'scenario'; id: string; requests: number | null }
  | { type: 'start'; epoch: number }
  | { type: 'abort' };

export type ToParent =
  | { type: 'opened' }
  | { type: 'error'; code: string; message: string }
  | { type: 'ready'; repeat: number }
  | { type: 'records'; records: RequestRecord[] }
  | { type: 'done'; interrupted: boolean; cpu_s: number; event_loop_delay_p99_ms: number | null };

/** One worker's part of a scenario, as results.json records it (scenarios[].client.workers[]). */
export interface WorkerReport {
  worker: number;
  pid: number | null;
  /** Measured (non-warmup) requests this worker sent and recorded. */
  requests: number;
  /** Its process's CPU time during the scenario; null when it died before reporting. */
  cpu_s: number | null;
  event_loop_delay_p99_ms: number | null;
}

export interface WorkerFailure {
  code: 'LLMBENCH_WORKER_FAILED';
  message: string;
}

/** How far ahead of now a start instant is set, so every worker has it before it comes (IPC takes well under this). */
const START_LEAD_MS = 100;

/** The share worker `w` of `count` sends, inside the process's own share (--shard) when there is one. */
export function workerShare(w: number, count: number, shard: Share | null): Share {
  const s = shard ?? { index: 0, count: 1 };
  return { index: s.index + s.count * w, count: s.count * count };
}

/** Node flags to start a worker with: the parent's (tsx's loader under tests), minus the test runner's own. */
function workerExecArgv(entry: string): string[] {
  const args = process.execArgv.filter((a) => !a.startsWith('--test') && !a.startsWith('--inspect') && !a.startsWith('--cpu-prof') && !a.startsWith('--prof'));
  // Sources run through tsx registered in-process (bin/llmbench.js without dist/) leave no flag to inherit: the
  // worker's .ts entry needs the loader named explicitly (by path, so it resolves from any working directory).
  if (entry.endsWith('.ts') && !args.some((a) => a.includes('tsx'))) args.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
  return args;
}

/** The worker entry next to this module: worker-main.js from dist, worker-main.ts from sources under tsx. */
function workerEntry(): string {
  const ext = /\.([cm]?[jt]s)$/.exec(new URL(import.meta.url).pathname)?.[1] ?? 'js';
  return fileURLToPath(new URL(`./worker-main.${ext}`, import.meta.url));
}

interface Slot {
  w: number;
  child: ChildProcess;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  error: string | null;
  /** Per scenario. */
  done: boolean;
  ready: number | null;
  report: WorkerReport;
}

export interface PoolOptions {
  count: number;
  config: RunConfig;
  cwd: string;
  env: NodeJS.ProcessEnv;
  shard: Share | null;
  originEpoch: number;
  connections: number;
  signal: AbortSignal;
}

export class WorkerPool {
  private slots: Slot[] = [];
  private closing = false;
  /** Wakes whoever waits on the workers' state (a message, an exit). */
  private wake: () => void = () => undefined;
  private onMessage: (s: Slot, m: ToParent) => void = () => undefined;
  private readonly onAbort = () => this.broadcast({ type: 'abort' });

  private constructor(private readonly opts: PoolOptions) {}

  /** Forks the workers and waits until every one has opened the target; throws (and ends them all) when one fails. */
  static async start(opts: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    try {
      await pool.spawn();
    } catch (e) {
      await pool.close();
      throw e;
    }
    opts.signal.addEventListener('abort', pool.onAbort, { once: true });
    if (opts.signal.aborted) pool.onAbort();
    return pool;
  }

  private async spawn(): Promise<void> {
    const entry = workerEntry();
    let opened = 0;
    for (let w = 0; w < this.opts.count; w++) {
      const child = fork(entry, [], { execArgv: workerExecArgv(entry), env: this.opts.env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const slot: Slot = { w, child, exited: null, error: null, done: false, ready: null, report: { worker: w, pid: child.pid ?? null, requests: 0, cpu_s: null, event_loop_delay_p99_ms: null } };
      this.slots.push(slot);
      child.on('message', (m: ToParent) => {
        if (m.type === 'opened') opened++;
        else if (m.type === 'error') slot.error = m.message;
        else this.onMessage(slot, m);
        this.wake();
      });
      child.on('exit', (code, signal) => {
        slot.exited = { code, signal };
        this.wake();
      });
      // A worker that cannot be started at all ('error' before 'exit'): counted as dead.
      child.on('error', (e) => {
        slot.error ??= e.message;
        slot.exited ??= { code: null, signal: null };
        this.wake();
      });
      child.send({ type: 'init', config: this.opts.config, cwd: this.opts.cwd, share: workerShare(w, this.opts.count, this.opts.shard), worker: w, originEpoch: this.opts.originEpoch, connections: this.opts.connections } satisfies ToWorker);
    }
    await this.until(() => opened === this.slots.length || this.slots.some((s) => s.exited || s.error) || this.opts.signal.aborted);
    const bad = this.slots.find((s) => s.exited || s.error);
    if (bad) throw new WorkerFailedError(this.describeFailure(bad, 'while opening the target'));
  }

  private until(cond: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (cond()) {
          this.wake = () => undefined;
          resolve();
        }
      };
      this.wake = check;
      check();
    });
  }

  private broadcast(m: ToWorker): void {
    for (const s of this.slots) if (!s.exited && s.child.connected) s.child.send(m);
  }

  private describeFailure(s: Slot, when: string): string {
    const how = s.exited ? (s.exited.signal ? `was killed by ${s.exited.signal}` : `exited with code ${s.exited.code}`) : 'failed';
    return `worker ${s.w} (pid ${s.report.pid ?? '?'}) ${how} ${when}${s.error ? `: ${s.error}` : ''}`;
  }

  /**
   * Runs one scenario on every worker. `phaseEpoch` gives the start instant of each timed phase (null: now plus a
   * short lead); `onRecord` gets every record as it arrives. A worker that dies ends its part: the others finish
   * theirs, and the failure names it.
   */
  async runScenario(
    id: string,
    requests: number | null,
    phaseEpoch: () => Promise<number | null>,
    onRecord: (r: RequestRecord, worker: number) => void,
  ): Promise<{ interrupted: boolean; failure: WorkerFailure | null; workers: WorkerReport[] }> {
    let interrupted = false;
    let starting = false;
    for (const s of this.slots) {
      s.done = Boolean(s.exited);
      s.ready = null;
      s.report = { worker: s.w, pid: s.report.pid, requests: 0, cpu_s: null, event_loop_delay_p99_ms: null };
    }
    const live = () => this.slots.filter((s) => !s.done && !s.exited);
    // Every live worker waits at the same phase: choose its start instant once, and send it to all of them.
    const maybeStart = () => {
      const waiting = live();
      if (starting || !waiting.length || waiting.some((s) => s.ready === null)) return;
      starting = true;
      void phaseEpoch().then((e) => {
        const epoch = e ?? epochNow() + START_LEAD_MS;
        for (const s of waiting) {
          s.ready = null;
          if (!s.exited && s.child.connected) s.child.send({ type: 'start', epoch } satisfies ToWorker);
        }
        starting = false;
        this.wake();
      });
    };
    this.onMessage = (s, m) => {
      if (m.type === 'records') {
        for (const r of m.records) {
          if (!r.warmup) s.report.requests++;
          onRecord(r, s.w);
        }
      } else if (m.type === 'ready') s.ready = m.repeat;
      else if (m.type === 'done') {
        s.done = true;
        interrupted ||= m.interrupted;
        s.report.cpu_s = m.cpu_s;
        s.report.event_loop_delay_p99_ms = m.event_loop_delay_p99_ms;
      }
    };
    this.broadcast({ type: 'scenario', id, requests });
    await this.until(() => {
      maybeStart();
      return live().length === 0 && !starting;
    });
    this.onMessage = () => undefined;
    const dead = this.slots.find((s) => s.exited || s.error);
    return {
      interrupted: interrupted || this.opts.signal.aborted,
      failure: dead ? { code: 'LLMBENCH_WORKER_FAILED', message: `${this.describeFailure(dead, 'during the scenario')}; the records it sent before are kept` } : null,
      workers: this.slots.map((s) => ({ ...s.report })),
    };
  }

  /** Whether a worker has died: later scenarios cannot be divided as planned. */
  get broken(): boolean {
    return this.slots.some((s) => s.exited || s.error);
  }

  /** Ends every worker (success, failure or interrupt) and waits until each has exited: nothing is left running. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.opts.signal.removeEventListener('abort', this.onAbort);
    const exits: Promise<unknown>[] = [];
    for (const s of this.slots) {
      if (s.exited || s.child.exitCode !== null || s.child.signalCode !== null) continue;
      exits.push(new Promise((r) => s.child.once('exit', r)));
      if (s.child.connected) s.child.disconnect();
      s.child.kill('SIGKILL');
    }
    await Promise.all(exits);
  }
}

/** A worker that could not open the target: a setup failure (exit 3) when nothing could run. */
export class WorkerFailedError extends LlmbenchError {
  constructor(message: string) {
    super('LLMBENCH_WORKER_FAILED', message, EXIT_CODES.setup, 'the worker\'s own error is above; the same run with --workers 1 shows whether it is the target or the workers');
  }
}
