import { type OptionDef, type ParsedArgs } from './option.js';

/** Where a command writes. Injected so tests can capture output and so `--json` can move tables to stderr. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (live progress bar) or not (plain periodic lines). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Fires on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

export interface PositionalDef {
  name: string;
  description: string;
  variadic?: boolean;
  required?: boolean;
}

export interface CommandDef {
  name: string;
  summary: string;
  /** Longer text for `--help` and docs/cli.md. */
  description?: string;
  positionals?: readonly PositionalDef[];
  options: readonly OptionDef[];
  examples?: readonly string[];
  /** Returns the process exit code. Throw LlmbenchError for failures. */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}
