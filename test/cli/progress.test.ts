import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, type PreparingState } from '../../src/cli/progress.js';

const prep = (prepared: number, elapsedMs: number, total = 2000): PreparingState => ({ scenario: 'in128_out128_c1', index: 1, count: 2, repeat: 0, repeats: 1, prepared, total, elapsedMs });

test('preparing prompts: quiet under a second; in a log, a line once it passes a second, every 5 s, and at the end', () => {
  let out = '';
  let now = 0;
  const p = new Progress((s) => void (out += s), false, 5000, () => now);
  for (let i = 1; i <= 200; i++) p.preparing(prep(i, i * 2, 200));
  assert.equal(out, '');
  // 2000 prompts over 7.2 s (seed issue: 3.6 ms each).
  for (let i = 1; i <= 2000; i++) {
    now = i * 3.6;
    p.preparing(prep(i, now));
  }
  assert.deepEqual(out.split('\n'), [
    '[1/2] in128_out128_c1 preparing prompts ███░░░░░░░░░░░░░░░░░░░░░ 278/2000, 1.0 s',
    '[1/2] in128_out128_c1 preparing prompts ████████████████████░░░░ 1667/2000, 6.0 s',
    '[1/2] in128_out128_c1 preparing prompts ████████████████████████ 2000/2000, 7.2 s',
    '',
  ]);
});

test('preparing prompts on a terminal: one redrawn line after a second, kept as a plain line when done', () => {
  let out = '';
  const p = new Progress((s) => void (out += s), true, 5000, () => 0);
  p.preparing(prep(1, 500, 3));
  p.preparing(prep(2, 1500, 3));
  p.preparing(prep(3, 2000, 3));
  assert.equal(out, '\r\x1b[2K[1/2] in128_out128_c1 preparing prompts ████████████████░░░░░░░░ 2/3, 1.5 s\r\x1b[2K[1/2] in128_out128_c1 preparing prompts ████████████████████████ 3/3, 2.0 s\n');
});

test('a step that ends within a second prints nothing; a longer one says so once it passes a second, and its time at the end', async () => {
  let out = '';
  let now = 0;
  const p = new Progress((s) => void (out += s), false, 5000, () => now);
  p.step('opening the target', 'start');
  p.step('opening the target', 'end');
  assert.equal(out, '');
  p.step('opening the target (model m.gguf)', 'start');
  // The "…" line comes from a timer after a second of real time: wait for it (generously; the suite runs loaded).
  const until = Date.now() + 30_000;
  while (out === '' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.equal(out, 'opening the target (model m.gguf)…\n');
  now = 3400;
  p.step('opening the target (model m.gguf)', 'end');
  assert.equal(out, 'opening the target (model m.gguf)…\nopening the target (model m.gguf): 3.4 s\n');
  p.close();
});
