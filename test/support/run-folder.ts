/**
 * Tests read result folders through the product's one loader (src/reports/inputs.ts `loadRunDir`), strictly: a
 * malformed requests.jsonl line, which the loader skips for users, fails a test.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRunDir, type LoadedRun } from '../../src/reports/inputs.js';

export function loadRunStrict(dir: string): LoadedRun {
  const run = loadRunDir(dir);
  assert.equal(run.skippedLines, 0, `${dir}/requests.jsonl has malformed lines`);
  return run;
}

/** The run folder `llmbench run --out OUT` wrote (OUT holds exactly one). */
export function readOnlyRun(out: string): LoadedRun {
  const entries = readdirSync(out);
  assert.equal(entries.length, 1, `expected one run folder in ${out}, found ${entries.join(', ')}`);
  return loadRunStrict(join(out, entries[0]!));
}
