import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mannWhitneyP, normalCdf, MIN_SAMPLES } from '../../src/dashboard/significance.js';

test('normalCdf matches the table values', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-8);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-1) - 0.158655) < 1e-6);
});

test('Mann-Whitney U: separated samples, identical samples, ties, and too few values', () => {
  const a = [10, 11, 12, 13, 14, 15, 16, 17];
  const b = [20, 21, 22, 23, 24, 25, 26, 27];
  // No overlap: U = 0; mean 32, variance 8·8·17/12 = 90.667; z = (32 − 0.5)/9.5219 = 3.3082; p = 2(1 − Φ(z)).
  const r = mannWhitneyP(a, b)!;
  assert.equal(r.u, 0);
  assert.ok(Math.abs(r.p - 0.000939) < 2e-5, String(r.p));
  assert.equal(mannWhitneyP(a, a)!.p, 1);
  // Every value tied: zero variance, no evidence of a difference.
  assert.deepEqual(mannWhitneyP(new Array(8).fill(5), new Array(8).fill(5)), { u: 32, p: 1 });
  // Interleaved samples: no significant difference.
  const c = [10, 12, 14, 16, 18, 20, 22, 24];
  const d = [11, 13, 15, 17, 19, 21, 23, 25];
  assert.ok(mannWhitneyP(c, d)!.p > 0.5);
  assert.equal(mannWhitneyP(a.slice(0, MIN_SAMPLES - 1), b), null);
});
