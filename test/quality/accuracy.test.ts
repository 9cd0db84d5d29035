import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilsonInterval, accuracySummary, Z95 } from '../../src/quality/accuracy.js';
import { qualitySummaryFields, qualityDetail } from '../../src/quality/summary.js';

const close = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);

test('Wilson interval matches values worked out by hand', () => {
  // 7/10 by hand with z = 1.959964, z² = 3.841459:
  //   denominator 1 + 0.3841459 = 1.3841459; centre (0.7 + 0.1920729)/1.3841459 = 0.644498
  //   half = 1.959964/1.3841459 · √(0.021 + 0.0096036) = 1.416013 · 0.174939 = 0.247716
  const [lo, hi] = wilsonInterval(7, 10)!;
  close(lo, 0.644498 - 0.247716, 2e-5, '7/10 lo');
  close(hi, 0.644498 + 0.247716, 2e-5, '7/10 hi');
  // 0/5: centre = half = (z²/10)/(1 + z²/5) = 0.3841459/1.7682918 = 0.217242 → [0, 0.434484]
  assert.deepEqual(wilsonInterval(0, 5)!.map((v) => Math.round(v * 1e6) / 1e6), [0, 0.434482]);
  assert.equal(wilsonInterval(0, 5)![0], 0);
  // 5/5 mirrors 0/5
  const [lo5, hi5] = wilsonInterval(5, 5)!;
  close(lo5, 1 - 0.434482, 1e-6, '5/5 lo');
  assert.equal(hi5, 1);
  // 1/2: centre 0.5, half = 1.959964/2.920730 · √(0.125 + 0.240091) = 0.671052 · 0.604228 = 0.405469
  const [lo2, hi2] = wilsonInterval(1, 2)!;
  close(lo2, 0.5 - 0.405469, 2e-6, '1/2 lo');
  close(hi2, 0.5 + 0.405469, 2e-6, '1/2 hi');
  assert.equal(Z95, 1.959963984540054);
});

test('Wilson interval: nothing scored is null, impossible counts throw', () => {
  assert.equal(wilsonInterval(0, 0), null);
  assert.throws(() => wilsonInterval(6, 5), RangeError);
  assert.throws(() => wilsonInterval(-1, 5), RangeError);
});

test('accuracySummary counts scored, non-warmup records only', () => {
  const ok = { extracted: '18', gold: '18', correct: true };
  const bad = { extracted: '20', gold: '18', correct: false };
  const records = [
    { warmup: true, answer: ok }, // warmup: ignored
    ...Array.from({ length: 7 }, () => ({ warmup: false, answer: ok })),
    ...Array.from({ length: 3 }, () => ({ warmup: false, answer: bad })),
    { warmup: false, answer: null }, // failed request: not scored
    { warmup: false, answer: { extracted: '1', gold: null, correct: null } }, // no gold
    { warmup: false }, // speed-only record
  ];
  const s = accuracySummary(records);
  assert.equal(s.accuracy, 0.7);
  assert.equal(s.scored, 10);
  assert.equal(s.correct, 7);
  assert.deepEqual(s.accuracy_ci95, wilsonInterval(7, 10));
});

test('accuracySummary is null (not 0) when nothing was scored', () => {
  assert.deepEqual(accuracySummary([]), { accuracy: null, accuracy_ci95: null, scored: 0, correct: 0 });
  assert.deepEqual(accuracySummary([{ warmup: false, answer: null }]), { accuracy: null, accuracy_ci95: null, scored: 0, correct: 0 });
  // all wrong is a measured 0, with a real interval
  const zero = accuracySummary([{ warmup: false, answer: { extracted: null, gold: '1', correct: false } }]);
  assert.equal(zero.accuracy, 0);
  assert.equal(zero.accuracy_ci95![0], 0);
});

test('quality summary fields and detail block', () => {
  const recs = [{ warmup: false, answer: { extracted: '1', gold: '1', correct: true } }, { warmup: false, answer: { extracted: '2', gold: '1', correct: false } }];
  assert.deepEqual(qualitySummaryFields(recs, null), { accuracy: 0.5, accuracy_ci95: wilsonInterval(1, 2), perplexity: null });
  assert.deepEqual(qualitySummaryFields([], null), { accuracy: null, accuracy_ci95: null, perplexity: null });
  assert.equal(qualityDetail([{ warmup: false }], null), null);
  assert.deepEqual(qualityDetail(recs, null), { accuracy: { accuracy: 0.5, accuracy_ci95: wilsonInterval(1, 2), scored: 2, correct: 1 }, perplexity: null });
});
