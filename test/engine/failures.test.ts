import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RunClock } from '../../src/core/clock.js';
import { SetupError } from '../../src/core/errors.js';
import { RequestFailure } from '../../src/targets/target.js';
import { createEmbeddedTarget } from '../../src/targets/embedded.js';
import { CaptureSink, request, STORIES } from './helpers.js';

const never = new AbortController().signal;

async function expectLoadFailure(path: string, message: RegExp): Promise<void> {
  await assert.rejects(createEmbeddedTarget({ modelPath: path, clock: new RunClock(), threads: 1, contextSize: 64 }), (err: unknown) => {
    assert.ok(err instanceof SetupError);
    assert.equal(err.code, 'LLMBENCH_ENGINE_LOAD_FAILED');
    assert.equal(err.exitCode, 3);
    assert.match(err.message, message);
    assert.ok(err.hint?.includes(path), err.hint);
    return true;
  });
}

test('a corrupt or truncated GGUF is a SetupError naming the file, and this process lives on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmbench-engine-'));
  try {
    const garbage = join(dir, 'garbage.gguf');
    writeFileSync(garbage, Buffer.from('definitely not a GGUF file\n'.repeat(64)));
    await expectLoadFailure(garbage, /Invalid GGUF magic/);
    const truncated = join(dir, 'truncated.gguf');
    const full = readFileSync(STORIES);
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 2)));
    await expectLoadFailure(truncated, /could not load .*truncated\.gguf/);
    await expectLoadFailure(join(dir, 'missing.gguf'), /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an engine crash mid-request fails it with kind engine, and later sends fail fast', async () => {
  // A long request (2000 tokens) so the kill or abort, sent when the first token message arrives, lands
  // mid-request even when this process is slow to read it: token messages leave the engine every 20 ms, and the
  // pinned engine writes stories260K tokens at 2000–4000/s.
  const target = await createEmbeddedTarget({ modelPath: STORIES, clock: new RunClock(), threads: 1, contextSize: 2048 });
  try {
    const sink = new CaptureSink();
    let killed = false;
    const origDelta = sink.delta.bind(sink);
    sink.delta = (d) => {
      origDelta(d);
      if (!killed && sink.deltas.length === 5) {
        killed = true;
        process.kill(target.enginePid, 'SIGKILL');
      }
    };
    await assert.rejects(target.send(request({ prompt: 'Once upon a time', max_tokens: 2000, force_length: true }), sink, never), (err: unknown) => {
      assert.ok(err instanceof RequestFailure);
      assert.equal(err.kind, 'engine');
      assert.match(err.message, /killed by SIGKILL/);
      return true;
    });
    assert.ok(sink.deltas.length >= 5 && sink.deltas.length < 2000, String(sink.deltas.length));
    assert.equal(sink.finished, null);
    await assert.rejects(target.send(request({ prompt: 'again' }), new CaptureSink(), never), (err: unknown) => err instanceof RequestFailure && err.kind === 'engine');
    await assert.rejects(target.tokenizer()!.encode('x'), /killed by SIGKILL/);
  } finally {
    await target.close();
  }
});

test('aborting a request cancels it in the engine (kind aborted); the engine stays usable', async () => {
  // A long request (2000 tokens) so the kill or abort, sent when the first token message arrives, lands
  // mid-request even when this process is slow to read it: token messages leave the engine every 20 ms, and the
  // pinned engine writes stories260K tokens at 2000–4000/s.
  const target = await createEmbeddedTarget({ modelPath: STORIES, clock: new RunClock(), threads: 1, contextSize: 2048 });
  try {
    const ac = new AbortController();
    const sink = new CaptureSink();
    const orig = sink.delta.bind(sink);
    sink.delta = (d) => {
      orig(d);
      if (sink.deltas.length === 3) ac.abort();
    };
    await assert.rejects(target.send(request({ prompt: 'Once', max_tokens: 2000, force_length: true }), sink, ac.signal), (err: unknown) => err instanceof RequestFailure && err.kind === 'aborted');
    assert.ok(sink.deltas.length < 2000, String(sink.deltas.length));
    const ok = new CaptureSink();
    await target.send(request({ prompt: 'Once', max_tokens: 5 }), ok, never);
    assert.equal(ok.deltas.length, 5);
  } finally {
    await target.close();
  }
});

test('a quantized KV cache that does not fit the head size is a clear SetupError about the settings', async () => {
  // stories260K has 8-wide heads; q8_0 packs 32 values per block, so llama.cpp refuses the context.
  await assert.rejects(createEmbeddedTarget({ modelPath: STORIES, clock: new RunClock(), threads: 1, contextSize: 128, kvCacheType: 'q8_0' }), (err: unknown) => {
    assert.ok(err instanceof SetupError);
    assert.equal(err.code, 'LLMBENCH_ENGINE_LOAD_FAILED');
    assert.match(err.message, /K cache type q8_0 with block size 32 does not divide n_embd_head_k=8/);
    assert.match(err.hint ?? '', /--kv-cache-type q8_0/);
    return true;
  });
});
