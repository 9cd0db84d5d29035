/**
 * The tables `llmbench report` prints. Terminal and Markdown get every table (summary, then one per scenario);
 * CSV and JSON are for machines, so they get one flat summary table with a `run` column across all runs.
 */
import { type RunResult } from '../core/result.js';
import { runLabel } from './charts/common.js';
import { scenarioTable, summaryTable } from './run-tables.js';
import { type Table, type TableFormat } from './table.js';

export function combinedSummaryTable(results: RunResult[]): Table {
  const tables = results.map(summaryTable);
  const columns = [{ key: 'run', title: 'run', align: 'left' as const }];
  for (const t of tables) for (const c of t.columns) if (!columns.some((x) => x.key === c.key)) columns.push(c as (typeof columns)[number]);
  const rows = tables.flatMap((t, i) => t.rows.map((r) => ({ run: runLabel(results[i]!), ...r })));
  return { title: 'summary', columns, rows };
}

export function reportTables(results: RunResult[], format: TableFormat): Table[] {
  if (format === 'csv' || format === 'json') return [combinedSummaryTable(results)];
  return results.flatMap((r) => [summaryTable(r), ...r.scenarios.map(scenarioTable)]);
}
