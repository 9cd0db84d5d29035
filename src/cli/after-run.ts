/**
 * What `run` does after its result folder is complete: the report (charts + report.html) unless --no-report,
 * and the history record unless --no-history. Neither may cost the run its results, so failures come back
 * as warnings for the caller to print, never as exceptions.
 */
import { type RunResult } from '../core/result.js';
import { type RequestRecord } from '../core/record.js';
import { writeRunReport } from '../reports/write.js';
import { recordRun } from '../store/history.js';
import { resolveDbPath } from '../store/paths.js';

export interface AfterRunOutcome {
  /** Files the report wrote (report.html last); empty with --no-report or when it failed. */
  files: string[];
  /** The history id, or null with --no-history or when recording failed. */
  historyId: string | null;
  warnings: string[];
}

/** `values` are the parsed flags of `run` (REPORT_RUN_OPTIONS: report, history, db). */
export async function afterRun(values: Record<string, unknown>, env: NodeJS.ProcessEnv, cwd: string, runDir: string, result: RunResult, records: RequestRecord[]): Promise<AfterRunOutcome> {
  const out: AfterRunOutcome = { files: [], historyId: null, warnings: [] };
  if (values.report !== false) {
    try {
      out.files = await writeRunReport(runDir, result, records);
    } catch (e) {
      out.warnings.push(`report not written: ${(e as Error).message}; the results in ${runDir} are complete (retry with \`llmbench report ${runDir}\`)`);
    }
  }
  if (values.history !== false) {
    const r = recordRun({ dbPath: resolveDbPath(values.db, env, cwd) }, result, runDir);
    if (r.ok) out.historyId = r.id;
    else out.warnings.push(r.warning);
  }
  return out;
}
