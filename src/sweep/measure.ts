/**
 * The one place a sweep runs a benchmark: one (server point, workload cell, load) in, one run folder and its
 * results.json out. Everything else in src/sweep only sees the Measure interface.
 *
 * This implementation drives `llmbench run` in-process through main() with captured output, building run's argv
 * from the plan's `benchmark` keys (they are run's long option names). When the runner exposes a typed
 * runBenchmark(RunConfig), this file is the one to switch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunResult } from '../core/result.js';
import { EXIT_CODES } from '../core/errors.js';
import { main } from '../cli/main.js';
import { RUN_OPTIONS } from '../cli/commands/run.js';
import { benchmarkArgv } from './plan.js';

export interface MeasureLoad {
  over: 'concurrency' | 'rate';
  value: number;
}

export interface MeasureRequest {
  /** Base URL of the server, or null for the embedded engine (or benchmark.target). */
  target: string | null;
  /** `run` options by long name: the plan's benchmark keys with the cell's values and the point's engine settings. */
  options: Record<string, unknown>;
  /** The searched load; null runs the benchmark's own loads (its concurrency/rate lists, as run would). */
  load: MeasureLoad | null;
  /** Requests per load when the plan sets none: max(20, 4 × the load). */
  requests: number | null;
  outDir: string;
  name: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
}

export interface Measurement {
  /** run's exit code (0, 4 when a scenario failed, 130 interrupted, 2/3 for usage/setup errors). */
  exitCode: number;
  runDir: string | null;
  result: RunResult | null;
  /** What run said on stderr, last lines, when it did not finish normally. */
  error: string | null;
}

export type Measure = (req: MeasureRequest) => Promise<Measurement>;

/** Run options the sweep itself owns: the target, output and bookkeeping flags. */
export function runArgv(req: MeasureRequest): string[] {
  const opts: Record<string, unknown> = { ...req.options };
  if (req.load) opts[req.load.over] = req.load.value;
  if (req.requests !== null && opts.requests === undefined && opts.duration === undefined) opts.requests = req.requests;
  const argv = ['run', ...benchmarkArgv(opts, RUN_OPTIONS)];
  if (req.target) argv.push('--target', req.target);
  // History is recorded by the sweep (with its sweep id); charts per run are not drawn (the sweep draws its own).
  argv.push('--name', req.name, '--out', req.outDir, '--no-history', '--no-report');
  return argv;
}

export const cliMeasure: Measure = async (req) => {
  let stderr = '';
  const code = await main(runArgv(req), {
    stdout: () => undefined,
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: req.env,
    cwd: req.cwd,
    signal: req.signal,
  });
  const m = /^results: (.+)$/m.exec(stderr);
  const runDir = m && m[1] !== 'null' && m[1] !== 'undefined' ? m[1]!.trim() : null;
  let result: RunResult | null = null;
  if (runDir) {
    try {
      result = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as RunResult;
    } catch {
      result = null;
    }
  }
  const ok = code === EXIT_CODES.ok || code === EXIT_CODES.scenarioFailed;
  return { exitCode: code, runDir, result, error: ok ? null : stderr.trim().split('\n').slice(-5).join('\n') || `llmbench run exited with ${code}` };
};
