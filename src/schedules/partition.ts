/**
 * Dividing one schedule among senders (shards on several machines; worker threads share the same rule), so that
 * together they send exactly what one process would: the same request indexes, arrival times and prompts, each
 * index by exactly one sender. Pure: no clocks, no I/O.
 *
 * - Open loop (--rate) and --batch: request i is sent by sender i mod N, at its scheduled time.
 * - Closed loop (--concurrency C, sequential = 1 stream): the C streams are divided, stream j to sender j mod N,
 *   and a divided stream owns a fixed sequence of indexes, j, j + C, j + 2C, ... (one process hands the next index
 *   to whichever stream frees first; separate senders cannot share that counter, so the sequence is fixed instead).
 *   With fewer streams than senders, some senders have none and send nothing.
 */

/** One sender's part: `index` of `count` (0 ≤ index < count). */
export interface Share {
  index: number;
  count: number;
}

/** The whole schedule, one sender. */
export const WHOLE: Share = { index: 0, count: 1 };

export function isWhole(s: Share | null | undefined): boolean {
  return !s || s.count === 1;
}

/** Open loop and batch: whether this sender sends request `i`. */
export function ownsArrival(i: number, share: Share): boolean {
  return i % share.count === share.index;
}

/** Closed loop: the streams (0 … streams−1) this sender runs. */
export function streamsOf(streams: number, share: Share): number[] {
  const out: number[] = [];
  for (let j = share.index; j < streams; j += share.count) out.push(j);
  return out;
}

/** Closed loop, divided: the request index a stream sends `k`-th (its sequence j, j + C, j + 2C, ...). */
export function streamRequest(stream: number, streams: number, k: number): number {
  return stream + k * streams;
}

/** Closed loop, divided: the sender that sends request `i`. */
export function closedLoopSender(i: number, streams: number, senders: number): number {
  return (i % streams) % senders;
}

/** The indexes below `total` a sender owns: open loop by arrival, closed loop by stream. */
export function ownedIndexes(total: number, share: Share, closedLoopStreams: number | null): number[] {
  const out: number[] = [];
  for (let i = 0; i < total; i++) {
    const mine = closedLoopStreams === null ? ownsArrival(i, share) : closedLoopSender(i, closedLoopStreams, share.count) === share.index;
    if (mine) out.push(i);
  }
  return out;
}

/** Parses "I/N" (shard I of N, 0-based); throws Error naming the problem. */
export function parseShare(raw: string): Share {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  if (!m) throw new Error(`'${raw}' is not I/N`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new Error(`${raw}: the shard count must be at least 1`);
  if (index >= count) throw new Error(`${raw}: shards are numbered 0 to ${count - 1}`);
  return { index, count };
}
