/**
 * Whether two runs' per-request latencies differ: the Mann-Whitney U test (two-sided), with the normal
 * approximation corrected for ties and continuity (Mann & Whitney 1947; tie correction as in Lehmann,
 * Nonparametrics, 1975, §1.4). It needs no repeats, only the request records of each matched scenario, and makes
 * no assumption about the shape of latency distributions (which are skewed). With fewer than MIN_SAMPLES requests
 * on either side the approximation is poor, so no p-value is given.
 */
import { type RequestRecord } from '../core/record.js';
import { type RunResult } from '../core/result.js';
import { pairScenarios } from '../reports/compare.js';

export const MIN_SAMPLES = 8;
export const ALPHA = 0.05;
export const TESTED_METRICS = ['ttft_ms', 'tpot_ms', 'e2e_ms'] as const;

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Two-sided p-value of the Mann-Whitney U test of a against b; null when either has fewer than MIN_SAMPLES values. */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): { u: number; p: number } | null {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 < MIN_SAMPLES || n2 < MIN_SAMPLES) return null;
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  let r1 = 0;
  all.forEach((x, i) => { if (x.g === 0) r1 += ranks[i]!; });
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u: u1, p: 1 };
  const z = (Math.abs(u1 - mean) - 0.5) / Math.sqrt(variance);
  // With the continuity correction z can be ≤ 0 (U at its mean): no evidence of a difference at all.
  return { u: u1, p: z <= 0 ? 1 : Math.min(1, 2 * (1 - normalCdf(z))) };
}

function median(v: number[]): number | null {
  if (!v.length) return null;
  const s = [...v].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface RequestTest {
  run: string;
  scenario: string;
  metric: string;
  n_baseline: number;
  n_run: number;
  median_baseline: number | null;
  median_run: number | null;
  /** null: fewer than MIN_SAMPLES measured requests on a side. */
  p_value: number | null;
  significant: boolean | null;
}

export interface TestSide {
  label: string;
  result: RunResult;
  records: RequestRecord[];
}

function values(records: RequestRecord[], scenario: string, metric: (typeof TESTED_METRICS)[number]): number[] {
  return records.filter((r) => r.scenario_id === scenario && !r.warmup && r.status === 'ok' && typeof r[metric] === 'number').map((r) => r[metric] as number);
}

/** Every matched scenario × tested metric of every compared run against the baseline. */
export function perRequestTests(base: TestSide, others: TestSide[]): RequestTest[] {
  const out: RequestTest[] = [];
  for (const o of others) {
    for (const [b, s] of pairScenarios(base.result, o.result).pairs) {
      for (const metric of TESTED_METRICS) {
        const x = values(base.records, b.id, metric);
        const y = values(o.records, s.id, metric);
        if (!x.length && !y.length) continue;
        const t = mannWhitneyP(x, y);
        out.push({ run: o.label, scenario: s.id, metric, n_baseline: x.length, n_run: y.length, median_baseline: median(x), median_run: median(y), p_value: t ? t.p : null, significant: t ? t.p < ALPHA : null });
      }
    }
  }
  return out;
}
