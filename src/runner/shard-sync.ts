/**
 * When a shard's timed phases start. The first starts at --start-at; every later one (the next scenario, the
 * next repeat) starts at an instant all shards agree on without talking to each other directly: each shard, ready
 * for phase k, writes its wall-clock time into `<out>/.llmbench-barrier/<run key>/<k>/<shard>` on the volume they
 * share, waits until all N have, and starts at the latest of those times plus a margin. Every shard reads the same
 * N files, so every shard computes the same instant. Without a shared folder the wait times out (a warning) and
 * the shard starts at once. docs/scale.md describes the design and the fixed-slot alternative.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { type RunClock } from '../core/clock.js';
import { type Share } from '../schedules/partition.js';

/** Added to the last shard's arrival, so every shard has read the files and slept before the instant comes. */
export const BARRIER_MARGIN_MS = 2000;
const POLL_MS = 100;

/** The folder name shards of one run share: the plan and the start instant, hashed. */
export function barrierKey(plan: unknown, startAtEpoch: number): string {
  return createHash('sha256').update(JSON.stringify(plan)).update(`@${startAtEpoch}`).digest('hex').slice(0, 16);
}

/** Waits until the run clock reaches `at` (run ms) or the signal fires. */
export async function waitUntil(clock: RunClock, at: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const left = at - clock.now();
    if (left <= 0) return;
    // Short steps, so an interrupt is noticed; timers may fire early, hence the loop.
    await new Promise<void>((r) => setTimeout(r, Math.min(left, 250)));
  }
}

export class ShardBarrier {
  constructor(
    private readonly dir: string,
    private readonly share: Share,
    private readonly timeoutMs: number,
  ) {}

  /** Announces this shard ready for `phase`; resolves to the agreed start (epoch ms), or null after the timeout. */
  async arrive(phase: number, signal: AbortSignal): Promise<number | null> {
    const d = join(this.dir, String(phase));
    mkdirSync(d, { recursive: true });
    const file = join(d, String(this.share.index));
    // Written whole then renamed, so a reader never sees half a number.
    writeFileSync(`${file}.tmp`, String(Date.now()));
    renameSync(`${file}.tmp`, file);
    const until = Date.now() + this.timeoutMs;
    while (!signal.aborted && Date.now() < until) {
      const times = readdirSync(d)
        .filter((f) => /^\d+$/.test(f))
        .map((f) => Number(readFileSync(join(d, f), 'utf8')));
      if (times.length >= this.share.count && times.every(Number.isFinite)) return Math.max(...times) + BARRIER_MARGIN_MS;
      await new Promise<void>((r) => setTimeout(r, POLL_MS));
    }
    return null;
  }
}
