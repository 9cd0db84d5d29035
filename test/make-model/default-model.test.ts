import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { DEFAULT_MODEL_SHAPE, ensureDefaultModel, llmbenchCacheDir } from '../../src/engine/make-model/default-model.js';
import { parameterCount } from '../../src/engine/make-model/shape.js';
import { readMadeModelMarker } from '../../src/engine/make-model/make.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-default-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('cache folder: LLMBENCH_CACHE_DIR, then XDG_CACHE_HOME/llmbench, then ~/.cache/llmbench', () => {
  assert.equal(llmbenchCacheDir({ LLMBENCH_CACHE_DIR: '/a', XDG_CACHE_HOME: '/x' }), '/a');
  assert.equal(llmbenchCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/llmbench');
  assert.equal(llmbenchCacheDir({}), join(homedir(), '.cache', 'llmbench'));
});

test('made once, then reused; a damaged cache is replaced; the file says it is random', async () => {
  const cacheDir = join(dir, 'c1');
  const first = await ensureDefaultModel({ cacheDir });
  assert.equal(first.created, true);
  assert.equal(first.path, join(cacheDir, 'llmbench-random-l8-e512-h8-kv2-f1536-v259-f16-seed0-r1.gguf'));
  assert.equal(statSync(first.path).size, first.fileBytes);
  assert.deepEqual([first.shape.layers, first.shape.hidden, first.shape.heads, first.shape.kvHeads, first.shape.ffn, first.shape.vocab], [8, 512, 8, 2, 1536, 259]);
  assert.equal(parameterCount(DEFAULT_MODEL_SHAPE), 24_391_168);
  const info = await readGgufFileInfo(first.path);
  const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
  assert.equal(md.general!.name, 'llmbench-random-l8-e512-h8-kv2-f1536-v259-f16');
  assert.equal(md.llmbench!.random_weights, true);
  assert.deepEqual(readMadeModelMarker(first.path), { name: 'llmbench-random-l8-e512-h8-kv2-f1536-v259-f16', seed: 0, source: 'llmbench default model' });
  assert.equal(readMadeModelMarker('../shared/fixtures/models/stories260K.gguf'), null);

  const bytes = readFileSync(first.path);
  const again = await ensureDefaultModel({ cacheDir });
  assert.equal(again.created, false);
  assert.equal(again.path, first.path);

  truncateSync(first.path, 1000);
  const repaired = await ensureDefaultModel({ cacheDir });
  assert.equal(repaired.created, true);
  assert.equal(readFileSync(first.path).equals(bytes), true);
  assert.deepEqual(readdirSync(cacheDir), [ 'llmbench-random-l8-e512-h8-kv2-f1536-v259-f16-seed0-r1.gguf' ]);
});

test('concurrent first calls each end with the complete file and leave no temporary files', async () => {
  const cacheDir = join(dir, 'c2');
  const results = await Promise.all([ensureDefaultModel({ cacheDir }), ensureDefaultModel({ cacheDir }), ensureDefaultModel({ env: { LLMBENCH_CACHE_DIR: cacheDir } })]);
  assert.deepEqual(results.map((r) => r.path), new Array(3).fill(results[0]!.path));
  assert.equal(statSync(results[0]!.path).size, results[0]!.fileBytes);
  assert.deepEqual(readdirSync(cacheDir), ['llmbench-random-l8-e512-h8-kv2-f1536-v259-f16-seed0-r1.gguf']);
});

test('a stray temporary file from an interrupted run is not mistaken for the model', async () => {
  const cacheDir = join(dir, 'c3');
  await ensureDefaultModel({ cacheDir });
  const name = 'llmbench-random-l8-e512-h8-kv2-f1536-v259-f16-seed0-r1.gguf';
  rmSync(join(cacheDir, name));
  writeFileSync(join(cacheDir, `.${name}.999.deadbeef.tmp`), 'partial');
  const r = await ensureDefaultModel({ cacheDir });
  assert.equal(r.created, true);
  assert.equal(statSync(r.path).size, r.fileBytes);
});
