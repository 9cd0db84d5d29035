/**
 * What the sweep needs to know about `llmbench run`'s options. A plan's `benchmark` keys are run's long option
 * names, but run's option table and its flags → RunConfig mapping belong to the CLI (src/cli/run-config.ts,
 * RUN_FLAGS), and the CLI imports the sweep: so the CLI hands this in, and the sweep never imports the CLI.
 */
import { type Problem } from '../core/errors.js';
import { type RunConfig } from '../runner/config.js';

/** Flags by long name, as a plan writes them: `{ 'input-tokens': [128, 1024], 'cache-reset': false }`. */
export type RunFlagValues = Readonly<Record<string, unknown>>;

export interface RunFlags {
  /** The run option a key names (its long name or an alias): its long name and whether it takes a comma list. */
  find(key: string): { name: string; list: boolean } | undefined;
  /** Problems with the values, exactly as `llmbench run` would report them; `where` is the key as written. */
  check(flags: RunFlagValues): Problem[];
  /**
   * The RunConfig the flags describe, with the problems only the flags show (checks of the whole configuration
   * are runBenchmark's). Options the flags leave out fall back on the environment, as on run's command line.
   */
  toRunConfig(flags: RunFlagValues, env: NodeJS.ProcessEnv): { config: RunConfig; problems: Problem[] };
}
