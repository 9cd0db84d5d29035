/**
 * llmbench as a library: the public API, one explicit list (docs/library.md). Everything else under dist/ is
 * internal and may change between versions.
 *
 *   import { runBenchmark } from 'llmbench';
 *   const { result, dir } = await runBenchmark({ target: 'http://127.0.0.1:8000', load: { concurrency: [1, 8] } });
 */
export { runBenchmark, type RunIO, type RunBenchmarkResult } from './runner/benchmark.js';
export {
  RUN_DEFAULTS,
  runConfigProblems,
  type RunConfig,
  type ServerConfig,
  type WorkloadConfig,
  type QualityConfig,
  type EngineSettings,
  type LoadConfig,
  type OutputConfig,
  type LengthInput,
} from './runner/config.js';
export { runConfigFromArgv, flagsToArgv } from './cli/run-config.js';
export { mergeShards, type ShardRun, type MergedRun } from './runner/merge.js';
export { type Share } from './schedules/partition.js';
export { LlmbenchError, UsageError, SetupError, EXIT_CODES, type ExitCode, type Problem } from './core/errors.js';
export { type RunResult, type ScenarioResult, type Distribution, type Warning } from './core/result.js';
export { type RequestRecord } from './core/record.js';
export { VERSION } from './core/version.js';
