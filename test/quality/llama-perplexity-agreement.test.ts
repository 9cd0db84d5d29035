/**
 * The embedded engine's perplexity must agree with llama.cpp's own llama-perplexity on the same model, text and
 * context size (docs/quality.md "Agreement with llama-perplexity"). Runs when both exist: the llama-perplexity
 * binary (built by hand as in the embedded-engine issue; ../llama.cpp-build/bin, or $LLMBENCH_LLAMA_PERPLEXITY);
 * without it the test skips, saying so. The embedded target and the model are part of every checkout: a failure to
 * load either fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { perplexityOfFile } from '../../src/quality/perplexity.js';
import { RunClock } from '../../src/core/clock.js';
import { createEmbeddedTarget } from '../../src/targets/embedded.js';

const MODEL = resolve('../shared/fixtures/models/stories260K.gguf');
const TEXT = resolve('test/fixtures/quality/story.txt');
const BINARY = resolve(process.env.LLMBENCH_LLAMA_PERPLEXITY ?? '../llama.cpp-build/bin/llama-perplexity');
/**
 * Relative tolerance. llama-perplexity prints 4 decimals and sums in a mix of float and double; the values
 * observed agree to within 3e-5 relative (docs/quality.md), so 1e-3 only absorbs precision, never a method
 * difference (one window more or less, or a missing BOS, moves this text's perplexity by > 1%).
 */
const TOLERANCE = 1e-3;

const skip: string | false = existsSync(BINARY) ? false : `llama-perplexity not found at ${BINARY} (build llama.cpp by hand, or set LLMBENCH_LLAMA_PERPLEXITY)`;

async function llamaPerplexity(args: string[]): Promise<{ ppl: number; log: string }> {
  const { stdout, stderr } = await promisify(execFile)(BINARY, ['-m', MODEL, '-f', TEXT, '-t', '1', ...args], { timeout: 60_000, maxBuffer: 16 << 20 });
  const log = stdout + stderr;
  // "Final estimate: PPL = 4.4132 +/- 0.28386" (default mode); the strided mode prints only "[k]ppl," per window
  const final = /Final estimate: PPL = ([\d.]+)/.exec(log);
  const running = [...log.matchAll(/\[\d+\]([\d.]+),/g)];
  const ppl = Number(final ? final[1] : running[running.length - 1]?.[1]);
  assert.ok(Number.isFinite(ppl), `no perplexity in llama-perplexity's output:\n${log.slice(-2000)}`);
  return { ppl, log };
}

test('embedded perplexity agrees with llama-perplexity (stories260K, -c 128 and --ppl-stride)', { skip, timeout: 120_000 }, async () => {
  // default mode: -c 128 → ⌊1723/128⌋ = 13 windows, second halves scored
  const target = await createEmbeddedTarget({ modelPath: MODEL, clock: new RunClock(), threads: 1, contextSize: 256 });
  try {
    const ref = await llamaPerplexity(['-c', '128', '-b', '128']);
    const ours = await perplexityOfFile(target.scorer(), TEXT, { window: 128, stride: null });
    assert.match(ref.log, new RegExp(`calculating perplexity over ${ours.windows} chunks, n_ctx=128`));
    assert.ok(Math.abs(ours.perplexity - ref.ppl) <= TOLERANCE * ref.ppl, `ours ${ours.perplexity} vs llama-perplexity ${ref.ppl}`);

    // strided mode: llama-perplexity -c 128 --ppl-stride 128 widens the context by stride/2 and llama.cpp pads
    // it to 256, so its windows are 256 tokens every 128: the same as --perplexity-window 256 --perplexity-stride 128
    const refS = await llamaPerplexity(['-c', '128', '-b', '128', '--ppl-stride', '128']);
    const oursS = await perplexityOfFile(target.scorer(), TEXT, { window: 256, stride: 128 });
    assert.match(refS.log, new RegExp(`have ${oursS.tokens_total} tokens\\. Calculation chunk = 256`));
    assert.match(refS.log, new RegExp(`computing over ${oursS.windows} chunks, n_ctx=256`));
    assert.ok(Math.abs(oursS.perplexity - refS.ppl) <= TOLERANCE * refS.ppl, `strided: ours ${oursS.perplexity} vs llama-perplexity ${refS.ppl}`);
  } finally {
    await target.close();
  }
});
