/**
 * What `llmbench run` does once its flags are parsed: flags → RunConfig (every problem at once, before anything
 * is sent), runBenchmark, tables, the report and history record, and the exit code.
 */
import { type CliIO } from '../command.js';
import { type ParsedArgs } from '../option.js';
import { EXIT_CODES, UsageError } from '../../core/errors.js';
import { runConfigProblems } from '../../runner/config.js';
import { runBenchmark } from '../../runner/benchmark.js';
import { runConfigFromOptions } from '../run-config.js';
import { Progress } from '../progress.js';
import { monitorNotices, serverSideTable, telemetryTable } from '../../reports/server-tables.js';
import { renderTable } from '../../reports/table.js';
import { scenarioTable, summaryTable } from '../../reports/run-tables.js';
import { resolveFormat } from '../options/report.js';

export async function runRunCommand(args: ParsedArgs, io: CliIO): Promise<number> {
  const { config, problems } = runConfigFromOptions(args);
  // Flag-only problems (a header without a colon) are reported together with the configuration's own.
  if (problems.length) throw new UsageError([...problems, ...runConfigProblems(config)]);
  const format = resolveFormat(args.values);
  const json = format === 'json';
  const human = json ? io.stderr : io.stdout;
  const progress = new Progress(io.stderr, io.isTTY);
  let outcome;
  try {
    outcome = await runBenchmark(config, {
      cwd: io.cwd,
      env: io.env,
      signal: io.signal,
      log: (l) => {
        progress.clear();
        io.stderr(`${l}\n`);
      },
      progress: (p) => progress.update(p),
      preparing: (p) => progress.preparing(p),
      progressDone: () => progress.done(),
      step: (label, phase) => progress.step(label, phase),
    });
  } finally {
    progress.close();
  }
  const { result } = outcome;
  if (json) io.stdout(JSON.stringify(result, null, 2) + '\n');
  const tableFormat = json ? 'table' : format;
  if (tableFormat === 'table') for (const s of result.scenarios) human(`\n${renderTable(scenarioTable(s), 'table')}`);
  human(`\n${renderTable(summaryTable(result), tableFormat)}`);
  for (const t of [serverSideTable(result), telemetryTable(result)]) if (t) human(`\n${renderTable(t, tableFormat)}`);
  for (const n of monitorNotices(result)) io.stderr(`note: ${n}\n`);
  if (outcome.dir) {
    // Charts and the history database are loaded only here, after the results are safe on disk.
    const label = 'writing the report';
    progress.step(label, 'start');
    const { afterRun } = await import('../after-run.js');
    const after = await afterRun(args.values, io.env, io.cwd, outcome.dir, result, outcome.records).finally(() => progress.step(label, 'end'));
    for (const w of after.warnings) io.stderr(`warning: ${w}\n`);
    if (after.files.length) io.stderr(`report: ${after.files[after.files.length - 1]}\n`);
    if (after.historyId) io.stderr(`history id: ${after.historyId}\n`);
  }
  for (const s of result.scenarios) for (const w of s.warnings) io.stderr(`warning [${s.id}] ${w.message}${w.hint ? `\n  hint: ${w.hint}` : ''}\n`);
  io.stderr(`results: ${outcome.dir}\n`);
  if (result.interrupted) return EXIT_CODES.interrupted;
  if (outcome.failedScenarios > 0) return EXIT_CODES.scenarioFailed;
  return EXIT_CODES.ok;
}
