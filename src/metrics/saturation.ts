/**
 * Over-saturation detector for --stop-when-saturated (docs/metrics.md "Saturation"). Pure: the executor feeds it
 * samples on the run clock and asks whether the server has fallen behind the offered rate.
 *
 * An open-loop client keeps sending at its rate whatever the server does; past the server's capacity the
 * requests in flight pile up and TTFT grows with the queue, so a longer run only reports a longer queue. The
 * detector fits a least-squares line to each series over a sliding window (in-flight count against time, sampled
 * at every send and finish; TTFT against the time of the first token, sampled as each request finishes) and calls
 * the scenario saturated when, for both series, the lower bound of the slope's two-sided confidence interval
 * (Student's t with n − 2 degrees of freedom) is above 0: both grow, and chance alone would rarely give that
 * slope. The same idea as GuideLLM's over-saturation detector, written from the description, not its code.
 */

export interface SaturationSettings {
  /** Samples older than this, ms before the newest one, leave the window. */
  windowMs: number;
  /** Fewest samples in each series before a decision (the fit needs at least 3). */
  minSamples: number;
  /** Two-sided confidence level of the slope's interval; only 0.95 is tabled. */
  confidence: 0.95;
}

export const SATURATION_DEFAULTS: SaturationSettings = { windowMs: 30_000, minSamples: 20, confidence: 0.95 };

/** A fitted slope (units of y per second) with its confidence interval over n samples. */
export interface SlopeFit {
  slope: number;
  lo: number;
  hi: number;
  n: number;
}

/** t(0.975, df) for df 1..30 (two-sided 95 %). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The 97.5 % quantile of Student's t with `df` degrees of freedom (table to 30, Cornish–Fisher beyond: < 0.001 off). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = 1.959963985;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/**
 * Least-squares slope of y on x (x in ms, the slope per second) with its 95 % confidence interval; null with
 * fewer than 3 points or all x equal. Centred sums, so large run-clock values lose no precision.
 */
export function slopeFit(points: ReadonlyArray<readonly [number, number]>): SlopeFit | null {
  const n = points.length;
  if (n < 3) return null;
  let mx = 0;
  let my = 0;
  for (const [x, y] of points) {
    mx += x;
    my += y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    const dx = (x - mx) / 1000;
    sxx += dx * dx;
    sxy += dx * (y - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  // Residual variance over n − 2 degrees of freedom, from the residuals themselves (Syy − b·Sxy cancels badly
  // when the fit is nearly perfect).
  let rss = 0;
  for (const [x, y] of points) rss += (y - my - slope * ((x - mx) / 1000)) ** 2;
  const se = Math.sqrt(rss / (n - 2) / sxx);
  const half = tQuantile975(n - 2) * se;
  return { slope, lo: slope - half, hi: slope + half, n };
}

export interface SaturationCheck {
  saturated: boolean;
  inflight: SlopeFit | null;
  ttft: SlopeFit | null;
}

/** The two series over the sliding window, and the decision. */
export class SaturationDetector {
  private readonly inflight: Array<[number, number]> = [];
  private readonly ttft: Array<[number, number]> = [];

  constructor(readonly settings: SaturationSettings = SATURATION_DEFAULTS) {}

  /** The client's requests in flight at run-clock `t`, right after a send or a finish. */
  addInflight(t: number, count: number): void {
    this.push(this.inflight, t, count);
  }

  /** A request's TTFT, at the run-clock time of its first token. */
  addTtft(t: number, ttftMs: number): void {
    this.push(this.ttft, t, ttftMs);
  }

  check(): SaturationCheck {
    const a = slopeFit(this.inflight);
    const b = slopeFit(this.ttft);
    const enough = this.inflight.length >= this.settings.minSamples && this.ttft.length >= this.settings.minSamples;
    return { saturated: enough && a !== null && b !== null && a.lo > 0 && b.lo > 0, inflight: a, ttft: b };
  }

  private push(series: Array<[number, number]>, t: number, y: number): void {
    // TTFT samples arrive in finish order, not first-token order: keep the series sorted by time.
    let i = series.length;
    while (i > 0 && series[i - 1]![0] > t) i--;
    series.splice(i, 0, [t, y]);
    const newest = series[series.length - 1]![0];
    let drop = 0;
    while (drop < series.length && series[drop]![0] < newest - this.settings.windowMs) drop++;
    if (drop) series.splice(0, drop);
  }
}
