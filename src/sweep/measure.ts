/**
 * The one place a sweep runs a benchmark: one (server point, workload cell, load) in, one run folder and its
 * results out. Everything else in src/sweep only sees the Measure interface.
 *
 * This implementation builds a typed RunConfig from the plan's `benchmark` keys (run's long option names, mapped
 * by the CLI's RunFlags, so a plan means what the same flags mean to `llmbench run`) and calls runBenchmark.
 */
import { type RunResult } from '../core/result.js';
import { asLlmbenchError, EXIT_CODES, UsageError } from '../core/errors.js';
import { runConfigProblems } from '../runner/config.js';
import { runBenchmark } from '../runner/benchmark.js';
import { type RunFlags } from './run-flags.js';

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
  /** What `llmbench run` would exit with: 0, 4 when a scenario failed, 130 interrupted, 2/3 for usage/setup errors. */
  exitCode: number;
  runDir: string | null;
  result: RunResult | null;
  /** What went wrong, last lines, when the run did not finish normally. */
  error: string | null;
}

export type Measure = (req: MeasureRequest) => Promise<Measurement>;

/**
 * The run's flags by long name: the request's options with the searched load, the default request count, the
 * target and the output folder and name. (History and charts are not the run's: the sweep records each run with
 * its sweep id and draws its own charts.)
 */
export function runFlagsOf(req: MeasureRequest): Record<string, unknown> {
  const flags: Record<string, unknown> = { ...req.options };
  if (req.load) flags[req.load.over] = req.load.value;
  if (req.requests !== null && flags.requests === undefined && flags.duration === undefined) flags.requests = req.requests;
  if (req.target) flags.target = req.target;
  flags.name = req.name;
  flags.out = req.outDir;
  return flags;
}

/** A Measure that runs each request through runBenchmark, with `flags` mapping run's options to a RunConfig. */
export function benchmarkMeasure(flags: RunFlags): Measure {
  return async (req) => {
    const log: string[] = [];
    const tail = () => log.slice(-5).join('\n');
    try {
      const { config, problems } = flags.toRunConfig(runFlagsOf(req), req.env);
      if (problems.length) throw new UsageError([...problems, ...runConfigProblems(config)]);
      const out = await runBenchmark(config, { cwd: req.cwd, env: req.env, signal: req.signal, log: (l) => void log.push(l) });
      const exitCode = out.result.interrupted ? EXIT_CODES.interrupted : out.failedScenarios > 0 ? EXIT_CODES.scenarioFailed : EXIT_CODES.ok;
      // No folder: no target could be opened and nothing ran; what the runner said is the reason.
      if (!out.dir) return { exitCode, runDir: null, result: null, error: tail() || 'the run opened no target' };
      return { exitCode, runDir: out.dir, result: out.result, error: null };
    } catch (err) {
      const e = asLlmbenchError(err);
      const said = tail();
      return { exitCode: e.exitCode, runDir: null, result: null, error: `${said ? `${said}\n` : ''}error [${e.code}]: ${e.message}${e.hint && !(e instanceof UsageError) ? `\n  fix: ${e.hint}` : ''}` };
    }
  };
}
