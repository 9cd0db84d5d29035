/**
 * Accuracy of a scored dataset run and its 95% Wilson score interval. Pure functions.
 *
 * Wilson score interval (E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
 * JASA 22(158), 1927), for k correct out of n scored, p̂ = k/n and z = 1.959963984540054 (the 97.5th
 * percentile of the standard normal):
 *
 *            p̂ + z²/(2n)        z     ┌ p̂(1 − p̂)     z²  ┐½
 *   centre = ───────────   ± ─────── · │ ───────── + ──── │
 *             1 + z²/n       1 + z²/n └     n        4n²  ┘
 *
 * Unlike the normal ("Wald") interval p̂ ± z·√(p̂(1−p̂)/n), it stays inside [0, 1] and is not zero-width at
 * 0/n or n/n, which matters for the small subsets (`--dataset-limit 50`) quality checks are often run on.
 * Example: 7/10 → [0.3968, 0.8922]; 0/5 → [0, 0.4345]; 5/5 → [0.5655, 1].
 */
import { type RequestRecord } from '../core/record.js';

/** Two-sided 95% normal quantile, Φ⁻¹(0.975). */
export const Z95 = 1.959963984540054;

/** Wilson score interval for `correct` successes out of `n` trials; null when n = 0 (nothing to estimate). */
export function wilsonInterval(correct: number, n: number, z: number = Z95): [number, number] | null {
  if (!Number.isInteger(n) || n <= 0) return null;
  if (!Number.isInteger(correct) || correct < 0 || correct > n) throw new RangeError(`wilsonInterval: correct=${correct} is not in 0..${n}`);
  const p = correct / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p̂ = 0 or 1 the bound is exactly 0 or 1 in exact arithmetic; clamp the floating-point residue.
  const lo = correct === 0 ? 0 : Math.max(0, centre - half);
  const hi = correct === n ? 1 : Math.min(1, centre + half);
  return [lo, hi];
}

export interface AccuracySummary {
  /** correct / scored, in [0, 1]; null when nothing was scored (never 0 for "not measured"). */
  accuracy: number | null;
  accuracy_ci95: [number, number] | null;
  /** Requests that had a gold answer to compare with (answer.correct is true or false). */
  scored: number;
  correct: number;
}

/**
 * Accuracy over the measured (non-warmup) records that carry a scored answer. Failed requests have no answer
 * (the runner scores finished requests only), so they are not counted as wrong: they show up in
 * requests_failed, and `scored` below requests_total says how many items the accuracy rests on.
 */
export function accuracySummary(records: ReadonlyArray<Pick<RequestRecord, 'warmup' | 'answer'>>): AccuracySummary {
  let scored = 0;
  let correct = 0;
  for (const r of records) {
    if (r.warmup) continue;
    const c = r.answer?.correct;
    if (c === true || c === false) {
      scored++;
      if (c) correct++;
    }
  }
  if (scored === 0) return { accuracy: null, accuracy_ci95: null, scored: 0, correct: 0 };
  return { accuracy: correct / scored, accuracy_ci95: wilsonInterval(correct, scored), scored, correct };
}
