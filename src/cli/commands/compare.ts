import { type CommandDef } from '../command.js';
import { type OptionDef } from '../option.js';
import { DB_OPTION, FORMAT_OPTIONS, resolveFormat } from '../options/report.js';
import { resolveDbPath } from '../../store/paths.js';
import { ThresholdError, UsageError } from '../../core/errors.js';
import { loadCompareInput, type CompareInput } from '../../reports/import/index.js';
import { checkThresholds, compareRuns, compareTable, parseFailIf, type CompareSide } from '../../reports/compare.js';
import { renderTable } from '../../reports/table.js';

const COMPARE_OPTIONS: readonly OptionDef[] = [
  { name: 'baseline', kind: 'string', placeholder: 'RUN', defaultText: 'the first RUN', description: 'the run the others are compared against (one of the RUN arguments, or a run name or id)', group: 'Compare' },
  {
    name: 'fail-if',
    kind: 'list',
    placeholder: 'PATH>+N%,PATH<-N',
    description:
      'exit 5 when a compared run regresses past a limit: tpot_ms.p90>+5% (relative), ttft_ms.p50>+20 (absolute, metric unit), output_token_throughput<-3%. Bare names are summary fields, dotted paths metric statistics; every matched scenario is checked',
    group: 'Compare',
  },
  ...FORMAT_OPTIONS,
  DB_OPTION,
];

function labelled(inputs: CompareInput[]): CompareSide[] {
  const base = inputs.map((i) => i.result.name || i.result.run_id);
  return inputs.map((i, k) => ({
    info: { label: base.filter((b) => b === base[k]).length > 1 ? `${base[k]} (${i.ref})` : base[k]!, run_id: i.result.run_id, source: i.source },
    result: i.result,
  }));
}

export const compareCommand: CommandDef = {
  name: 'compare',
  summary: 'compare runs side by side against a baseline; --fail-if turns regressions into exit code 5',
  description:
    'Each RUN is a result folder, a results.json, a history id, a vLLM `bench serve --save-result` JSON or a llama-bench `-o json` file. ' +
    'Every summary metric is shown with its absolute and relative difference from the baseline, and, when runs have repeats, whether the difference is larger than the run-to-run spread.',
  positionals: [{ name: 'run', description: 'two or more runs (result folder, results.json, history id, vLLM or llama-bench JSON)', variadic: true, required: true }],
  options: COMPARE_OPTIONS,
  examples: [
    'llmbench compare results/base results/new',
    'llmbench compare base new --fail-if "tpot_ms.p90>+5%,output_token_throughput<-3%"',
    'llmbench compare vllm-result.json results/new --format md',
  ],
  async run(args, io) {
    const v = args.values;
    if (args.positionals.length < 2) throw new UsageError([{ where: '<run>', message: 'compare needs at least two runs', hint: 'llmbench compare BASELINE CANDIDATE [...]' }]);
    const thresholds = Array.isArray(v.failIf) ? parseFailIf(v.failIf as string[]) : [];
    const dbPath = resolveDbPath(v.db, io.env, io.cwd);
    // Run references may need the history database (a native addon): loaded only when compare runs.
    const { resolveRunRef } = await import('../run-refs.js');
    const sides = labelled(args.positionals.map((ref) => loadCompareInput(ref, resolveRunRef(ref, io.cwd, dbPath))));
    let bi = 0;
    if (typeof v.baseline === 'string') {
      const want = v.baseline;
      bi = args.positionals.indexOf(want);
      if (bi < 0) bi = sides.findIndex((s) => s.info.label === want || s.info.run_id === want || s.result.name === want);
      if (bi < 0) throw new UsageError([{ where: '--baseline', message: `'${want}' is none of the runs being compared`, hint: `one of: ${args.positionals.join(', ')}` }]);
    }
    const baseline = sides[bi]!;
    const others = sides.filter((_, i) => i !== bi);
    const comparison = compareRuns(baseline, others);
    const violations = thresholds.length ? checkThresholds(baseline, others, thresholds) : [];
    const format = resolveFormat(v);
    if (format === 'json') io.stdout(JSON.stringify({ ...comparison, thresholds: thresholds.map((t) => t.text), violations }, null, 2) + '\n');
    else io.stdout(renderTable(compareTable(comparison), format));
    if (violations.length) throw new ThresholdError(violations);
    if (thresholds.length) io.stderr(`llmbench compare: ${thresholds.length} threshold(s) checked, none violated\n`);
    return 0;
  },
};
