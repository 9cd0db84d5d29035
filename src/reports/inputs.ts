/**
 * Reading run folders back: results.json (schema llmbench.result/v1) and requests.jsonl. A folder whose
 * requests.jsonl is missing still reports (charts built from records then say so); malformed lines are skipped
 * and counted, since the file is appended as requests end and a crash can cut its last line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RESULT_SCHEMA, type RunResult } from '../core/result.js';
import { parseRecords, type RequestRecord } from '../core/record.js';
import { UsageError } from '../core/errors.js';

export interface LoadedRun {
  dir: string;
  result: RunResult;
  records: RequestRecord[];
  /** requests.jsonl lines that could not be parsed. */
  skippedLines: number;
}


export function isRunResult(v: unknown): v is RunResult {
  return !!v && typeof v === 'object' && (v as { schema?: unknown }).schema === RESULT_SCHEMA && Array.isArray((v as { scenarios?: unknown }).scenarios);
}

/** Loads a run from its folder, or from the path of its results.json. */
export function loadRunDir(path: string): LoadedRun {
  const dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
  const file = dir === path ? join(dir, 'results.json') : path;
  if (!existsSync(file)) throw new UsageError([{ where: path, message: `no results.json in ${dir}`, hint: 'give a result folder written by `llmbench run`, or a run id from `llmbench history`' }]);
  let result: unknown;
  try {
    result = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError([{ where: file, message: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (!isRunResult(result)) throw new UsageError([{ where: file, message: `not an llmbench result (schema "${RESULT_SCHEMA}")` }]);
  const reqFile = join(dir, 'requests.jsonl');
  const { records, skipped } = existsSync(reqFile) ? parseRecords(readFileSync(reqFile, 'utf8')) : { records: [], skipped: 0 };
  return { dir, result, records, skippedLines: skipped };
}
