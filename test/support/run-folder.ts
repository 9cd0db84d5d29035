/**
 * Tests read result folders through the product's one loader (src/reports/inputs.ts `loadRunDir`), strictly: a
 * malformed requests.jsonl line, which the loader skips for users, fails a test.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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

/** Complete lines in requests.jsonl of the one run folder under `out` (0 before the folder or the file exists). */
export function recordsOnDisk(out: string): number {
  const dirs = readdirSync(out);
  if (dirs.length !== 1) return 0;
  try {
    return readFileSync(join(out, dirs[0]!, 'requests.jsonl'), 'utf8').split('\n').filter((l) => l.endsWith('}')).length;
  } catch {
    return 0;
  }
}

/**
 * Ctrl-C (aborts `ac` with SIGINT) once `n` records are on disk, not after a fixed time: a loaded machine may take
 * longer than any fixed delay just to start the run, and then nothing would have completed yet. Gives up waiting
 * after 30 s and interrupts anyway, so the test fails on its own assertions instead of hanging.
 */
export async function interruptAfterRecords(out: string, n: number, ac: AbortController): Promise<void> {
  for (let i = 0; i < 3000 && !ac.signal.aborted && recordsOnDisk(out) < n; i++) await new Promise((res) => setTimeout(res, 10));
  ac.abort('SIGINT');
}
