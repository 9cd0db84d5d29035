import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { type CliIO } from '../../src/cli/command.js';
import { STORIES } from './helpers.js';

function io(signal: AbortSignal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: false, env: {}, cwd: process.cwd(), signal };
  return { cli, out, err };
}

test('serve: usage errors are collected (exit 2) before any engine starts', async () => {
  const a = io();
  assert.equal(await main(['serve'], a.cli), 2);
  assert.match(a.err.join(''), /--model: missing/);
  const b = io();
  assert.equal(await main(['serve', '--model', STORIES, '--threads', '1,2', '--kv-dtype', 'q5_1'], b.cli), 2);
  assert.match(b.err.join(''), /--threads: takes one value for serve|'q5_1' is not one of f16, q8_0, q4_0/);
  assert.match(b.err.join(''), /q5_1/);
  const c = io();
  assert.equal(await main(['serve', '--model', 'nope.gguf', '--port', '70000'], c.cli), 2);
  assert.match(c.err.join(''), /port 70000 is out of range/);
});

test('serve: starts, prints its URL, answers, and stops on the signal', async () => {
  const ac = new AbortController();
  const x = io(ac.signal);
  const done = main(['serve', '--model', STORIES, '--port', '0', '--threads', '1', '--context', '128'], x.cli);
  let url = '';
  for (let i = 0; i < 300 && !url; i++) {
    await new Promise((r) => setTimeout(r, 50));
    url = x.out.join('').trim();
  }
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const r = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 4, temperature: 0 }) });
  assert.equal(((await r.json()) as any).choices[0].text, ', there was a');
  ac.abort();
  assert.equal(await done, 0);
  assert.match(x.err.join(''), /chat template: fallback:plain/);
});
