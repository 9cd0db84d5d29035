/** Options of `llmbench sweep` (the benchmark itself is configured in the plan, by run's option names). */
import { intAtLeast, type OptionDef } from '../option.js';
import { DB_OPTION, FORMAT_OPTIONS } from './report.js';

const S = 'Sweep';

export const SWEEP_OPTIONS: readonly OptionDef[] = [
  { name: 'out', kind: 'string', default: 'results', placeholder: 'DIR', group: S, description: 'where the sweep folder <name>_sweep_<YYYYMMDD_HHMMSS>/ is written' },
  { name: 'name', kind: 'string', placeholder: 'LABEL', group: S, defaultText: "the plan file's name", description: 'label of the sweep (folder prefix; each run is named LABEL_p<k>)' },
  { name: 'dry-run', kind: 'boolean', group: S, description: 'check the plan and print the points, loads, request count and an estimated duration; start nothing' },
  { name: 'resume', kind: 'string', placeholder: 'DIR', group: S, description: 'continue an interrupted sweep in DIR: points already finished are kept, the rest run (PLAN may be omitted: DIR/plan.yaml is used)' },
  { name: 'devices', kind: 'int', placeholder: 'N', group: S, parse: intAtLeast(1), defaultText: "the plan's devices:, else 1", description: 'accelerators the server uses, for output tokens/s per device on the Pareto chart' },
  { name: 'report', kind: 'boolean', default: true, group: S, description: 'write the sweep charts (SVG) into the sweep folder (--no-report skips them)' },
  ...FORMAT_OPTIONS.filter((o) => o.name === 'format').map((o) => ({ ...o, description: 'how the points table is written (table, md, csv); json prints sweep.json to stdout (the table then goes to stderr)' })),
  DB_OPTION,
  { name: 'history', kind: 'boolean', default: true, group: 'History', description: "record every run of the sweep in the history database with the sweep's id (--no-history skips it)" },
];
