import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distribution, percentileSorted, spread } from '../../src/metrics/stats.js';

test('percentiles interpolate linearly between closest ranks (numpy default)', () => {
  assert.equal(percentileSorted([1, 2, 3, 4, 5, 6], 75), 4.75);
  assert.equal(percentileSorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9.1);
  assert.equal(percentileSorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5.5);
  assert.equal(percentileSorted([7], 99), 7);
  assert.equal(percentileSorted([], 50), null);
});

test('distribution: population std, extra percentiles, nulls dropped, empty is all null', () => {
  const d = distribution([2, 4, 4, 4, 5, 5, 7, 9, null, undefined, NaN], [95, 99.9]);
  assert.equal(d.n, 8);
  assert.equal(d.mean, 5);
  assert.equal(d.std, 2);
  assert.equal(d.min, 2);
  assert.equal(d.max, 9);
  assert.equal(d.p50, 4.5);
  assert.equal(d.p95, 8.3);
  assert.equal(d['p99.9'], 8.986);
  assert.deepEqual(distribution([]), { mean: null, min: null, max: null, std: null, p50: null, p75: null, p90: null, p99: null, n: 0 });
});

test('spread across repeats gives mean, std and coefficient of variation', () => {
  assert.deepEqual(spread([10, 12, null, 14]), { mean: 12, std: Math.sqrt(8 / 3), cv: Math.sqrt(8 / 3) / 12, min: 10, max: 14, n: 3 });
  assert.deepEqual(spread([]), { mean: null, std: null, cv: null, min: null, max: null, n: 0 });
});

test('max and min of samples too large to spread into arguments', async () => {
  const { maxOf, minOf } = await import('../../src/metrics/stats.js');
  const big = Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 500_000);
  assert.equal(maxOf(big), 499_999);
  assert.equal(minOf(big), 0);
  assert.equal(maxOf([]), null);
});
