/**
 * Options shared by the reporting commands. `run` lists REPORT_RUN_OPTIONS and FORMAT_OPTIONS too, so the
 * flags mean the same everywhere (issue 5: `--format table|md|csv|json` on run, report, compare, history).
 */
import { type OptionDef } from '../option.js';
import { TABLE_FORMATS, type TableFormat } from '../../reports/table.js';

export const FORMAT_OPTIONS: readonly OptionDef[] = [
  {
    name: 'format',
    kind: 'string',
    choices: TABLE_FORMATS,
    default: 'table',
    placeholder: 'table|md|csv|json',
    description: 'how tables are written: terminal table, Markdown (pastes into issues and PRs), CSV or JSON',
    group: 'Output',
  },
  { name: 'json', kind: 'boolean', description: 'same as --format json', group: 'Output' },
];

export const DB_OPTION: OptionDef = {
  name: 'db',
  kind: 'string',
  placeholder: 'FILE',
  defaultText: '$LLMBENCH_DATA_DIR/history.db, else $XDG_DATA_HOME/llmbench/history.db, else ~/.local/share/llmbench/history.db',
  description: 'the SQLite history database',
  group: 'History',
};

export const REPORT_RUN_OPTIONS: readonly OptionDef[] = [
  { name: 'report', kind: 'boolean', default: true, description: 'write charts (PNG, SVG) and report.html into the result folder (--no-report skips them)', group: 'Output' },
  DB_OPTION,
  { name: 'history', kind: 'boolean', default: true, description: 'record the run in the history database (--no-history skips it)', group: 'History' },
];

/** `--json` wins over `--format` (it is the short way to ask for JSON). */
export function resolveFormat(values: Record<string, unknown>): TableFormat {
  if (values.json === true) return 'json';
  const f = values.format;
  return typeof f === 'string' && (TABLE_FORMATS as readonly string[]).includes(f) ? (f as TableFormat) : 'table';
}
