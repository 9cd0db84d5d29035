/**
 * The library entry point: `runBenchmark(config, io?)` checks a RunConfig, runs its scenario grid and returns
 * results.json's object with the run folder. `llmbench run` is this plus flag parsing, tables and the report.
 * Nothing here prints: news goes to `io.log`, progress to `io.progress`/`io.preparing`/`io.step`.
 */
import { type RequestRecord } from '../core/record.js';
import { type RunResult } from '../core/result.js';
import { type RunConfig } from './config.js';
import { buildRunPlan } from './plan.js';
import { runPlan, type RunHooks } from './run.js';

export interface RunIO {
  /** Relative paths in the config resolve against it; default process.cwd(). */
  cwd?: string;
  /** Environment (cache folder for the default model); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the run: in-flight requests get a short grace, and what finished is saved. */
  signal?: AbortSignal;
  /** One line of news, without a newline: the result folder, each scenario, a detected server, notes. */
  log?(line: string): void;
  progress?: RunHooks['progress'];
  preparing?: RunHooks['preparing'];
  progressDone?: RunHooks['progressDone'];
  step?: RunHooks['step'];
}

export interface RunBenchmarkResult {
  /** The object written to results.json (docs/results.schema.json). */
  result: RunResult;
  /** The run folder (results.json, requests.jsonl); '' when no target could be opened and nothing ran. */
  dir: string;
  /** Every request record, warmups included, as in requests.jsonl. */
  records: RequestRecord[];
  /** Scenarios whose every request failed, or whose target failed to open. */
  failedScenarios: number;
}

/**
 * Runs a benchmark. Throws UsageError (exit code 2) listing every problem with the config before anything is
 * sent, SetupError (3) when the target cannot be reached; scenario failures are in the result instead.
 */
export async function runBenchmark(config: RunConfig, io: RunIO = {}): Promise<RunBenchmarkResult> {
  const log = io.log ?? (() => undefined);
  const signal = io.signal ?? new AbortController().signal;
  const plan = await buildRunPlan(config, { cwd: io.cwd ?? process.cwd(), env: io.env ?? process.env, signal, log });
  return runPlan(plan, { signal, log, progress: io.progress, preparing: io.preparing, progressDone: io.progressDone, step: io.step });
}
