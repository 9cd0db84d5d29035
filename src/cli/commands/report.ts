import { writeJsonAtomic } from '../../runner/output.js';
import { join, resolve } from 'node:path';
import { type CommandDef } from '../command.js';
import { type OptionDef } from '../option.js';
import { DB_OPTION, FORMAT_OPTIONS, resolveFormat } from '../options/report.js';
import { resolveDbPath } from '../../store/paths.js';
import { reportTables } from '../../reports/report-tables.js';
import { renderTable } from '../../reports/table.js';

const REPORT_OPTIONS: readonly OptionDef[] = [
  {
    name: 'out',
    short: 'o',
    kind: 'string',
    placeholder: 'DIR',
    defaultText: "the run's own folder for one run; ./llmbench-report for several",
    description: 'folder to write charts/ (PNG and SVG) and report.html into',
    group: 'Output',
  },
  { name: 'charts', kind: 'boolean', default: true, description: 'write charts and report.html (--no-charts prints the tables only)', group: 'Output' },
  { name: 'rebuild', kind: 'boolean', description: "recompute results.json from requests.jsonl (done anyway for a run that never finished, e.g. after a crash)", group: 'Output' },
  ...FORMAT_OPTIONS,
  DB_OPTION,
];

export const reportCommand: CommandDef = {
  name: 'report',
  summary: 'tables, charts (PNG, SVG) and a self-contained report.html for one or several runs',
  description:
    'Each RUN is a result folder, the path of its results.json, or a run id (or unique prefix) from `llmbench history`. ' +
    'Several runs share one set of charts (an overview with one bar per run and scenario, CDFs, ...). Tables go to stdout; the list of files written goes to stderr.',
  positionals: [{ name: 'run', description: 'result folder, results.json or history id', variadic: true, required: true }],
  options: REPORT_OPTIONS,
  examples: ['llmbench report results/20261123-100000-ab12', 'llmbench report baseline-run candidate-run --out cmp/', 'llmbench report 20261123-10 --format md --no-charts'],
  async run(args, io) {
    const v = args.values;
    const dbPath = resolveDbPath(v.db, io.env, io.cwd);
    // Run references may need the history database (a native addon): loaded only when report runs.
    const { loadRunRef } = await import('../run-refs.js');
    const runs = args.positionals.map((ref) => loadRunRef(ref, io.cwd, dbPath));
    for (const r of runs) {
      if (r.skippedLines) io.stderr(`llmbench report: ${r.dir}/requests.jsonl: skipped ${r.skippedLines} malformed line(s)\n`);
      // A run that never finished (killed, crashed) has only its first results.json: rebuild it from requests.jsonl.
      if (r.result.finished_at === null || v.rebuild === true) {
        // The rebuild (metrics, quality, workloads) is loaded only for a run that needs it.
        const { rebuildResult } = await import('../../runner/rebuild.js');
        r.result = rebuildResult(r.result, r.records);
        writeJsonAtomic(join(r.dir, 'results.json'), r.result);
        io.stderr(`llmbench report: rebuilt ${r.dir}/results.json from requests.jsonl (${r.result.scenarios.length} scenario(s))\n`);
      }
    }
    const format = resolveFormat(v);
    io.stdout(reportTables(runs.map((r) => r.result), format).map((t) => renderTable(t, format)).join(format === 'table' || format === 'md' ? '\n' : ''));
    if (v.charts !== false) {
      const out = typeof v.out === 'string' ? resolve(io.cwd, v.out) : runs.length === 1 ? runs[0]!.dir : resolve(io.cwd, 'llmbench-report');
      // Charts (vega, resvg) are loaded only when charts are written.
      const { writeReport } = await import('../../reports/write.js');
      const files = await writeReport(out, runs);
      io.stderr(`llmbench report: wrote ${files.length} file${files.length === 1 ? '' : 's'} in ${out} (open ${files[files.length - 1]})\n`);
    }
    return 0;
  },
};
