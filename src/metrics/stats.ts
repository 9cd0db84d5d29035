/**
 * Descriptive statistics, fixed by docs/metrics.md §Arithmetic:
 * - percentiles by linear interpolation between closest ranks (numpy's default `linear` method):
 *   h = (n − 1)·p/100, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) over the sorted sample;
 * - standard deviation is the population one (divide by n);
 * - an empty sample gives null for every statistic, never 0.
 */
import { type Distribution } from '../core/result.js';

export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (n === 1) return sorted[0]!;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function populationStd(values: readonly number[]): number | null {
  const m = mean(values);
  if (m === null) return null;
  let s = 0;
  for (const v of values) s += (v - m) * (v - m);
  return Math.sqrt(s / values.length);
}

/** Largest and smallest of a sample without spreading it into arguments (a spread overflows the stack at ~10^5). */
export function maxOf(xs: readonly number[]): number | null {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return xs.length ? m : null;
}

export function minOf(xs: readonly number[]): number | null {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return xs.length ? m : null;
}

/** "p99.9" for 99.9, "p95" for 95. */
export function percentileKey(p: number): `p${string}` {
  return `p${String(p)}`;
}

/** Summarises a sample; nulls and non-finite values are dropped (they were not measured). */
export function distribution(values: ReadonlyArray<number | null | undefined>, extraPercentiles: readonly number[] = []): Distribution {
  const xs: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) xs.push(v);
  const sorted = Float64Array.from(xs).sort();
  const d: Distribution = {
    mean: mean(xs),
    min: sorted.length ? sorted[0]! : null,
    max: sorted.length ? sorted[sorted.length - 1]! : null,
    std: populationStd(xs),
    p50: percentileSorted(sorted, 50),
    p75: percentileSorted(sorted, 75),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    n: xs.length,
  };
  for (const p of extraPercentiles) {
    const k = percentileKey(p);
    if (!(k in d)) d[k] = percentileSorted(sorted, p);
  }
  return d;
}

/** Mean, std, coefficient of variation, min and max of one value across repeats (nulls dropped). */
export function spread(values: ReadonlyArray<number | null | undefined>): { mean: number | null; std: number | null; cv: number | null; min: number | null; max: number | null; n: number } {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const m = mean(xs);
  const s = populationStd(xs);
  return { mean: m, std: s, cv: m !== null && s !== null && m !== 0 ? s / Math.abs(m) : null, min: minOf(xs), max: maxOf(xs), n: xs.length };
}
