/**
 * One clock for the whole run: monotonic milliseconds (performance.now()), as a float.
 * Every timestamp in a record is run-relative ms on this clock; the wall-clock start lives in results.json.
 *
 * `epochNow()` is performance.timeOrigin + performance.now(): a high-resolution epoch time that two processes on
 * one machine share, so the embedded engine's child process can take its timestamps itself and the parent can
 * place them on its own clock without inter-process messaging latency.
 */
export interface Clock {
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A clock whose zero is the moment it was made; `fromEpoch` converts another process's epochNow() to it. */
export class RunClock implements Clock {
  readonly originMono: number;
  readonly originEpoch: number;
  constructor(base: Clock = monotonicClock) {
    this.base = base;
    this.originMono = base.now();
    this.originEpoch = performance.timeOrigin + this.originMono;
  }
  private readonly base: Clock;
  /**
   * A clock on another process's zero (its `originEpoch`): now() = epochNow() − originEpoch, so a worker process's
   * timestamps read as if the process that made the original clock had taken them.
   */
  static sharing(originEpoch: number): RunClock {
    const c = new RunClock();
    (c as { originMono: number }).originMono = originEpoch - performance.timeOrigin;
    (c as { originEpoch: number }).originEpoch = originEpoch;
    return c;
  }
  now(): number {
    return this.base.now() - this.originMono;
  }
  fromEpoch(epochMs: number): number {
    return epochMs - this.originEpoch;
  }
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
