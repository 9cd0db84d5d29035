/**
 * Typed errors with stable codes. Every error a user can see carries a `code` that never changes
 * between releases, the process exit code it maps to, and a hint that names the fix.
 *
 * Exit codes (docs/exit-codes.md is generated from EXIT_CODES):
 *   0   done (failed requests are results, counted, not errors)
 *   1   internal error (a bug in llmbench)
 *   2   usage error (bad options or input files)
 *   3   target unreachable or setup failed
 *   4   a whole scenario failed
 *   5   a threshold (--fail-if, SLO gate) was violated
 *   130 interrupted (Ctrl-C / SIGTERM)
 */
export const EXIT_CODES = {
  ok: 0,
  internal: 1,
  usage: 2,
  setup: 3,
  scenarioFailed: 4,
  threshold: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [ExitCode, string]> = [
  [0, 'done; failed requests are results (counted in the summary), not errors'],
  [1, 'internal error: a bug in llmbench (please report it)'],
  [2, 'usage error: invalid options, arguments or input files; nothing was sent'],
  [3, 'target unreachable or setup failed (server down, model missing, engine failed to load)'],
  [4, 'at least one whole scenario failed (every request failed, or its engine crashed), or a sweep point failed (server_failed, failed); the others were still run and saved'],
  [5, 'a threshold was violated (--fail-if, --slo gate), or no point of a sweep meets its SLA'],
  [130, 'interrupted (Ctrl-C or SIGTERM); everything completed so far was saved'],
];

export class LlmbenchError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(code: string, message: string, exitCode: ExitCode, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LlmbenchError';
    this.code = code;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** One problem found while validating input; UsageError collects all of them before anything is sent. */
export interface Problem {
  /** The option or argument at fault, e.g. `--rate`, or `<file>`. */
  where: string;
  message: string;
  hint?: string;
}

export class UsageError extends LlmbenchError {
  readonly problems: Problem[];
  constructor(problems: Problem[] | string, hint?: string) {
    const list = typeof problems === 'string' ? [{ where: '', message: problems, hint }] : problems;
    super('LLMBENCH_USAGE', formatProblems(list), EXIT_CODES.usage, hint);
    this.name = 'UsageError';
    this.problems = list;
  }
}

export class SetupError extends LlmbenchError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, message, EXIT_CODES.setup, hint, options);
    this.name = 'SetupError';
  }
}

export class ThresholdError extends LlmbenchError {
  readonly violations: string[];
  constructor(violations: string[]) {
    super('LLMBENCH_THRESHOLD', `${violations.length} threshold(s) violated:\n${violations.map((v) => `  - ${v}`).join('\n')}`, EXIT_CODES.threshold);
    this.name = 'ThresholdError';
    this.violations = violations;
  }
}

export function formatProblems(problems: Problem[]): string {
  if (problems.length === 1) {
    const p = problems[0]!;
    return `${p.where ? `${p.where}: ` : ''}${p.message}${p.hint ? `\n  fix: ${p.hint}` : ''}`;
  }
  return `${problems.length} problems:\n` + problems
    .map((p) => `  - ${p.where ? `${p.where}: ` : ''}${p.message}${p.hint ? `\n    fix: ${p.hint}` : ''}`)
    .join('\n');
}

/** Turns anything thrown into an LlmbenchError; unknown errors are internal (exit 1). */
export function asLlmbenchError(err: unknown): LlmbenchError {
  if (err instanceof LlmbenchError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const wrapped = new LlmbenchError('LLMBENCH_INTERNAL', e.message, EXIT_CODES.internal, 'this is a bug in llmbench; please report it with the command line', { cause: e });
  wrapped.stack = e.stack;
  return wrapped;
}
