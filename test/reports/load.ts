/** Loads the hand-written run folders under test/fixtures/runs (see test/fixtures/make-runs.py). */
import { join } from 'node:path';
import { type LoadedRun } from '../../src/reports/inputs.js';
import { loadRunStrict } from '../support/run-folder.js';

export const FIXTURE_RUNS = join(import.meta.dirname, '..', 'fixtures', 'runs');

export function fixtureDir(name: string): string {
  return join(FIXTURE_RUNS, name);
}

export function loadFixture(name: string): LoadedRun {
  return loadRunStrict(fixtureDir(name));
}
