/**
 * The load search (docs/sweep.md §Search): probe upward from `min` by doubling until a load fails the SLA (or `max`
 * passes), then bisect the bracket: whole numbers for concurrency until the bracket is 1 apart, rates until
 * infeasible_min / feasible_max ≤ 1.05 (geometric midpoints, since rates double). Pure apart from the probe.
 *
 * The probe decides whether a load meets the SLA (noise handling lives there: a near-limit load is measured three
 * times and meets only if every measurement did); it returns null when the search must stop (interrupted, or the
 * server died).
 */
import { type SearchSpec } from './plan.js';

export type Probe = (load: number) => Promise<boolean | null>;

export interface SearchOutcome {
  /** Highest load seen to meet the SLA with every lower probe meeting it too; null when even `min` failed. */
  feasible_max: number | null;
  /** Lowest load seen to fail it; null when `max` met it. */
  infeasible_min: number | null;
  /** The loads probed, in order. */
  probed: number[];
  /** The probe asked to stop before the search was done. */
  stopped: boolean;
}

/** Rates are rounded to 4 significant digits so the loads in sweep.json read as typed. */
function roundRate(r: number): number {
  return Number(r.toPrecision(4));
}

export const RATE_RATIO = 1.05;

export async function searchLoad(spec: SearchSpec, probe: Probe): Promise<SearchOutcome> {
  const probed: number[] = [];
  let lo: number | null = null;
  let hi: number | null = null;
  const run = async (load: number): Promise<boolean | null> => {
    probed.push(load);
    const r = await probe(load);
    if (r === true) lo = load;
    else if (r === false) hi = load;
    return r;
  };
  // Bracket: min, 2·min, 4·min, ... capped at max.
  let x = spec.min;
  while (true) {
    const r = await run(x);
    if (r === null) return { feasible_max: lo, infeasible_min: hi, probed, stopped: true };
    if (!r || x >= spec.max) break;
    x = spec.over === 'concurrency' ? Math.min(spec.max, x * 2) : roundRate(Math.min(spec.max, x * 2));
  }
  // Bisect between the highest load that met it and the lowest that did not.
  const done = (a: number, b: number) => (spec.over === 'concurrency' ? b - a <= 1 : b / a <= RATE_RATIO);
  while (lo !== null && hi !== null && !done(lo, hi)) {
    const l: number = lo;
    const h: number = hi;
    let mid = spec.over === 'concurrency' ? Math.floor((l + h) / 2) : roundRate(Math.sqrt(l * h));
    // Rounding may land on an end of the bracket; the arithmetic midpoint then still splits it.
    if (spec.over === 'rate' && (mid <= l || mid >= h)) mid = (l + h) / 2;
    const r = await run(mid);
    if (r === null) return { feasible_max: lo, infeasible_min: hi, probed, stopped: true };
  }
  return { feasible_max: lo, infeasible_min: hi, probed, stopped: false };
}
