/** Small helpers shared by the bench scripts (medians, intervals, argument parsing). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function spread(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(1)}–${s.at(-1)!.toFixed(1)}`;
}

/**
 * A distribution-free 95 % confidence interval for the median of n ≥ 6 samples: the order statistics
 * x(k) … x(n+1−k), with k the largest rank where P(Binomial(n, ½) < k) ≤ 2.5 % (the sign-test interval; it
 * assumes independent samples, nothing about their shape). null when n is too small for any such k.
 */
export function medianCi95(xs: readonly number[]): [number, number] | null {
  const n = xs.length;
  const s = [...xs].sort((a, b) => a - b);
  // P(B < k) for B ~ Binomial(n, 1/2), accumulated term by term.
  let cdf = 0;
  let term = 0.5 ** n;
  let k = 0;
  for (let j = 0; j < n; j++) {
    if (cdf + term > 0.025) break;
    cdf += term;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  if (k < 1) return null;
  return [s[k - 1]!, s[n - k]!];
}

export function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}
