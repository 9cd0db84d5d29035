import { existsSync } from 'node:fs';
import { type CommandDef } from '../command.js';
import { intAtLeast, OptionValueError, type OptionDef } from '../option.js';
import { DB_OPTION, FORMAT_OPTIONS, resolveFormat } from '../options/report.js';
import { resolveDbPath } from '../../store/paths.js';
import { type HistoryRun } from '../../store/history.js';
import { SetupError } from '../../core/errors.js';
import { renderTable, type Table } from '../../reports/table.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A date or date-time; a bare date means midnight UTC. Returned as ISO 8601 UTC (how started_at is stored). */
export function parseDate(raw: string): string {
  const d = new Date(DATE_ONLY.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(d.getTime())) throw new OptionValueError(`'${raw}' is not a date`, 'write it as 2026-11-23 or 2026-11-23T14:00:00Z');
  return d.toISOString();
}

/** `--until 2026-11-23` includes that whole day. */
export function untilBound(raw: string): string {
  const iso = parseDate(raw);
  return DATE_ONLY.test(raw) ? new Date(Date.parse(iso) + 86_400_000).toISOString() : iso;
}

const HISTORY_OPTIONS: readonly OptionDef[] = [
  { name: 'model', kind: 'string', placeholder: 'TEXT', description: 'only runs whose model contains TEXT (case-insensitive)', group: 'Filter' },
  { name: 'target', kind: 'string', placeholder: 'TEXT', description: 'only runs whose target kind or URL contains TEXT', group: 'Filter' },
  { name: 'name', kind: 'string', placeholder: 'TEXT', description: 'only runs whose --name label contains TEXT', group: 'Filter' },
  { name: 'since', kind: 'string', placeholder: 'DATE', description: 'only runs started at or after DATE (2026-11-23 or an ISO date-time)', group: 'Filter', parse: parseDate },
  { name: 'until', kind: 'string', placeholder: 'DATE', description: 'only runs started before DATE (a bare date includes that whole day)', group: 'Filter', parse: untilBound },
  { name: 'limit', kind: 'int', default: 50, placeholder: 'N', parse: intAtLeast(1), description: 'show at most this many runs, newest first', group: 'Filter' },
  ...FORMAT_OPTIONS,
  DB_OPTION,
];

export function historyTable(runs: HistoryRun[]): Table {
  return {
    title: `${runs.length} run(s), newest first`,
    columns: [
      { key: 'id', title: 'id', align: 'left' },
      { key: 'started_at', title: 'started (UTC)', align: 'left' },
      { key: 'name', title: 'name', align: 'left' },
      { key: 'target', title: 'target', align: 'left' },
      { key: 'model', title: 'model', align: 'left' },
      { key: 'scenarios', title: 'scenarios', align: 'right' },
      { key: 'max_output_token_throughput', title: 'best out tok/s', align: 'right' },
      { key: 'config_hash', title: 'config', align: 'left' },
      { key: 'result_dir', title: 'result folder', align: 'left' },
    ],
    rows: runs.map((r) => ({
      id: r.id,
      started_at: r.started_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      name: r.name || null,
      target: r.target_kind ? `${r.target_kind}${r.target_url ? ` ${r.target_url}` : ''}` : null,
      model: r.model,
      scenarios: r.scenario_count,
      max_output_token_throughput: r.max_output_token_throughput ?? null,
      config_hash: r.config_hash,
      result_dir: r.result_dir,
    })),
  };
}

export const historyCommand: CommandDef = {
  name: 'history',
  summary: 'list recorded runs (filter by model, target, date, name); ids work with report and compare',
  description: 'Every finished `llmbench run` is recorded in a SQLite database unless --no-history. The ids printed here (or a unique prefix) can be given to `llmbench report` and `llmbench compare`.',
  options: HISTORY_OPTIONS,
  examples: ['llmbench history', 'llmbench history --model qwen --since 2026-11-01', 'llmbench history --name nightly --format md'],
  async run(args, io) {
    const v = args.values;
    const dbPath = resolveDbPath(v.db, io.env, io.cwd);
    const format = resolveFormat(v);
    if (!existsSync(dbPath)) {
      io.stderr(`llmbench history: no history yet (${dbPath} does not exist); runs are recorded as they finish\n`);
      io.stdout(renderTable(historyTable([]), format));
      return 0;
    }
    // The database (a native addon) is loaded only when history runs, so `--help` does not pay for it.
    const { openHistory, listRuns } = await import('../../store/history.js');
    let db;
    try {
      db = openHistory(dbPath, { readonly: true });
    } catch (e) {
      throw new SetupError('LLMBENCH_HISTORY_DB', `cannot read history database ${dbPath}: ${(e as Error).message}`, 'give another file with --db, or move the broken one away (runs keep their result folders)');
    }
    try {
      const runs = listRuns(db, {
        model: v.model as string | undefined,
        target: v.target as string | undefined,
        name: v.name as string | undefined,
        since: v.since as string | undefined,
        until: v.until as string | undefined,
        limit: v.limit as number,
      });
      io.stdout(renderTable(historyTable(runs), format));
      return 0;
    } catch (e) {
      throw new SetupError('LLMBENCH_HISTORY_DB', `cannot read history database ${dbPath}: ${(e as Error).message}`, 'give another file with --db, or move the broken one away');
    } finally {
      db.close();
    }
  },
};
