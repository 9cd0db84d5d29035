// The over-saturation detector (src/metrics/saturation.ts) on exact inputs: the least-squares slope and its 95 %
// interval, the t quantiles, the sliding window and the decision rule (both lower bounds above 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SaturationDetector, slopeFit, tQuantile975 } from '../../src/metrics/saturation.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('slopeFit: per-second slope of points on ms; a perfect line has a zero-width interval', () => {
  assert.deepEqual(slopeFit([[0, 1], [1000, 3], [2000, 5]]), { slope: 2, lo: 2, hi: 2, n: 3 });
  // Large run-clock offsets change nothing (centred sums).
  assert.deepEqual(slopeFit([[1e9, 1], [1e9 + 1000, 3], [1e9 + 2000, 5]]), { slope: 2, lo: 2, hi: 2, n: 3 });
  assert.equal(slopeFit([[0, 1], [1000, 2]]), null, 'two points leave no degrees of freedom');
  assert.equal(slopeFit([[5, 1], [5, 2], [5, 3]]), null, 'all at one instant: no slope');
});

test('slopeFit: 1, 2, 2, 3 one second apart: slope 0.6/s, se √0.02, t(2) = 4.303, so the interval holds 0', () => {
  const f = slopeFit([[0, 1], [1000, 2], [2000, 2], [3000, 3]])!;
  close(f.slope, 0.6);
  close(f.lo, 0.6 - 4.303 * Math.sqrt(0.02));
  close(f.hi, 0.6 + 4.303 * Math.sqrt(0.02));
  assert.equal(f.n, 4);
  assert.ok(f.lo < 0);
});

test('tQuantile975: the table to 30 degrees of freedom, Cornish–Fisher beyond (within 0.001 of the exact values)', () => {
  assert.equal(tQuantile975(1), 12.706);
  assert.equal(tQuantile975(18), 2.101);
  assert.equal(tQuantile975(30), 2.042);
  for (const [df, exact] of [[40, 2.0211], [60, 2.0003], [120, 1.9799], [1000, 1.9623]] as const) close(tQuantile975(df), exact, 0.001);
  assert.ok(Number.isNaN(tQuantile975(0)));
});

/** A detector fed `n` samples 100 ms apart of each series. */
function fed(n: number, inflight: (i: number) => number, ttft: (i: number) => number, settings = { windowMs: 30_000, minSamples: 20, confidence: 0.95 as const }) {
  const d = new SaturationDetector(settings);
  for (let i = 0; i < n; i++) {
    d.addInflight(100 * i, inflight(i));
    d.addTtft(100 * i, ttft(i));
  }
  return d;
}

test('detector: both series growing is saturation once each has the minimum samples; one growing series is not', () => {
  const noise = (i: number) => [0, 1, -1, 0.5, -0.5][i % 5]!;
  const growing = (i: number) => 2 + i * 0.5 + noise(i);
  assert.equal(fed(19, growing, (i) => 100 + 10 * i + noise(i)).check().saturated, false, '19 samples: too few');
  const c = fed(20, growing, (i) => 100 + 10 * i + noise(i)).check();
  assert.equal(c.saturated, true);
  assert.ok(c.inflight!.lo > 0 && c.ttft!.lo > 0);
  close(c.inflight!.slope, 5, 0.5);
  // In flight grows, TTFT flat around 100 ms (a client-side pile-up without a server queue): not saturated.
  const flat = fed(40, growing, (i) => 100 + 5 * noise(i)).check();
  assert.equal(flat.saturated, false);
  assert.ok(flat.ttft!.lo <= 0);
  // A steady server: both series flat with noise.
  assert.equal(fed(200, (i) => 3 + noise(i), (i) => 100 + 5 * noise(i)).check().saturated, false);
});

test('detector: the window keeps the last windowMs of samples, so an early ramp ages out', () => {
  const noise = (i: number) => [0, 1, -1, 0.5, -0.5][i % 5]!;
  // 3 s of growth, then 3 s flat at the level reached.
  const level = (i: number) => Math.min(i, 30) + noise(i);
  assert.equal(fed(60, level, level, { windowMs: 10_000, minSamples: 20, confidence: 0.95 }).check().saturated, true, 'whole history: the ramp dominates');
  const d = fed(60, level, level, { windowMs: 2500, minSamples: 20, confidence: 0.95 });
  const c = d.check();
  assert.equal(c.saturated, false);
  assert.equal(c.inflight!.n, 26, 'samples at 3.4 s .. 5.9 s');
});

test('detector: TTFT samples reported out of time order are kept in time order, so the window drops the oldest', () => {
  const d = new SaturationDetector({ windowMs: 2000, minSamples: 3, confidence: 0.95 });
  d.addTtft(3000, 40);
  d.addTtft(1000, 20);
  d.addTtft(2000, 30);
  assert.equal(d.check().ttft!.n, 3);
  // Newest 3500: everything before 1500 leaves, the sample at 1000 although it was added second.
  d.addTtft(3500, 45);
  const f = d.check().ttft!;
  assert.equal(f.n, 3);
  close(f.slope, 10);
  close(f.lo, 10, 1e-6);
  assert.equal(d.check().saturated, false, 'no in-flight samples');
});
