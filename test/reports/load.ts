/** Loads the hand-written run folders under test/fixtures/runs (see test/fixtures/make-runs.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunResult } from '../../src/core/result.js';
import { type RequestRecord } from '../../src/core/record.js';

export const FIXTURE_RUNS = join(import.meta.dirname, '..', 'fixtures', 'runs');

export function fixtureDir(name: string): string {
  return join(FIXTURE_RUNS, name);
}

export function loadFixture(name: string): { dir: string; result: RunResult; records: RequestRecord[] } {
  const dir = fixtureDir(name);
  const result = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
  const records = readFileSync(join(dir, 'requests.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as RequestRecord);
  return { dir, result, records };
}
