/**
 * When to send. A load is data: closed-loop modes say how many requests may be in flight; open-loop modes
 * precompute every intended start time from absolute offsets (so sleeps that overrun never accumulate into a
 * lower rate, vllm#21104). The runner only executes a schedule; latencies are measured from the actual send
 * time, and each record keeps its scheduled time so client-side queueing shows as schedule_lag_ms.
 */
import { Rng } from '../core/rng.js';

export type Arrival = { kind: 'poisson' } | { kind: 'constant' } | { kind: 'gamma'; shape: number };

export type LoadSpec =
  /** One request at a time (the default). */
  | { mode: 'sequential' }
  /** Closed loop: N requests in flight; a new one starts when one ends. */
  | { mode: 'concurrency'; concurrency: number }
  /** Open loop: requests arrive at `rate` per second; `concurrency` caps requests in flight (null: no cap). */
  | { mode: 'rate'; rate: number; arrival: Arrival; concurrency: number | null }
  /** Every request of the scenario sent at once (seed 002's batch). */
  | { mode: 'batch' }
  /** Open loop at a trace's own times (--trace), divided by `time_scale`; no cap on requests in flight. */
  | { mode: 'trace'; time_scale: number; concurrency: null };

export function describeLoad(l: LoadSpec): string {
  switch (l.mode) {
    case 'sequential':
      return 'sequential (one request at a time)';
    case 'concurrency':
      return `${l.concurrency} concurrent (closed loop)`;
    case 'batch':
      return 'all requests at once (batch)';
    case 'rate':
      return `${arrivalName(l.arrival)} arrivals at ${l.rate} req/s${l.concurrency ? `, at most ${l.concurrency} in flight` : ''}`;
    case 'trace':
      return `trace arrival times${l.time_scale !== 1 ? ` ÷ ${l.time_scale} (time scale)` : ''}`;
  }
}

export function arrivalName(a: Arrival): string {
  return a.kind === 'gamma' ? `gamma(shape ${a.shape})` : a.kind;
}

/**
 * How many clients a closed-loop load keeps busy: 1 sequential, N for `concurrency`, every request for a batch
 * (`requests`: the scenario's request count, null when it runs for a duration); null for an open loop, whose
 * requests in flight follow the arrivals. The runner's workers, the summary's clients and a rebuild all use it.
 */
export function closedLoopClients(l: LoadSpec, requests: number | null): number | null {
  switch (l.mode) {
    case 'sequential':
      return 1;
    case 'concurrency':
      return l.concurrency;
    case 'batch':
      return requests;
    case 'rate':
    case 'trace':
      return null;
  }
}

/**
 * The fixed streams a closed loop runs (1 sequential, N for `concurrency`), which senders divide (partition.ts);
 * null for an open loop or a batch, whose requests (or sessions) are divided one by one.
 */
export function closedLoopStreams(l: LoadSpec): number | null {
  return l.mode === 'sequential' ? 1 : l.mode === 'concurrency' ? l.concurrency : null;
}

/** Maximum requests in flight a load allows (sizes the connection pool and the engine's sequences). */
export function loadConcurrency(l: LoadSpec, requests: number | null): number {
  if (l.mode === 'rate') return l.concurrency ?? Math.max(1, Math.ceil(l.rate * 4));
  // A trace's burstiness is unknown here: a pool as large as the trace (bounded) never makes a request wait.
  if (l.mode === 'trace') return Math.max(1, Math.min(requests ?? 64, 256));
  return closedLoopClients(l, requests) ?? 1;
}

/**
 * Intended start offsets (ms from the scenario's start) for the first `n` arrivals of an open-loop load, or all
 * arrivals before `untilMs`. Inter-arrival times: exponential(rate) for Poisson, 1/rate for constant, and
 * Gamma(shape, 1/(rate·shape)) for gamma (mean 1/rate; shape < 1 is burstier, > 1 smoother; vLLM's burstiness).
 */
export function arrivalOffsets(rate: number, arrival: Arrival, seed: number, n: number | null, untilMs: number | null): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  let t = 0;
  const limit = n ?? Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < limit; i++) {
    if (i > 0 || arrival.kind !== 'constant') {
      const gap = arrival.kind === 'poisson' ? rng.exponential(rate) : arrival.kind === 'constant' ? 1 / rate : rng.gamma(arrival.shape, 1 / (rate * arrival.shape));
      // The first arrival of a random process also waits one draw, so the realised rate over N arrivals is unbiased.
      t += gap * 1000;
    }
    if (untilMs !== null && t >= untilMs) break;
    out.push(t);
    if (out.length >= 10_000_000) break;
  }
  return out;
}
