/**
 * Turns the RUN arguments of `report` and `compare` into loaded runs: a result folder, a results.json path,
 * or an id (or unique id prefix) from the history database.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { loadRunDir, type LoadedRun } from '../reports/inputs.js';
import { findRun, openHistory } from '../store/history.js';

/** Resolves one reference to a path on disk (the path itself when it exists, else the history's result_dir). */
export function resolveRunRef(ref: string, cwd: string, dbPath: string): string {
  const p = resolve(cwd, ref);
  if (existsSync(p)) return p;
  if (!existsSync(dbPath)) {
    throw new UsageError([{ where: ref, message: 'no such file or folder, and no history database to look it up in', hint: `give a result folder, or record runs in history (${dbPath})` }]);
  }
  let db;
  try {
    db = openHistory(dbPath, { readonly: true });
  } catch (e) {
    throw new UsageError([{ where: ref, message: `no such file or folder, and the history database ${dbPath} cannot be read: ${(e as Error).message}`, hint: 'give the result folder path instead, or --db FILE' }]);
  }
  try {
    let run;
    try {
      run = findRun(db, ref);
    } catch (e) {
      throw new UsageError([{ where: ref, message: (e as Error).message, hint: 'give more of the id (see `llmbench history`)' }]);
    }
    if (!run) throw new UsageError([{ where: ref, message: 'no such file or folder, and no run with that id in history', hint: 'see `llmbench history` for run ids' }]);
    if (!existsSync(run.result_dir)) throw new UsageError([{ where: ref, message: `history says run ${run.id} is in ${run.result_dir}, which no longer exists` }]);
    return run.result_dir;
  } finally {
    db.close();
  }
}

export function loadRunRef(ref: string, cwd: string, dbPath: string): LoadedRun {
  return loadRunDir(resolveRunRef(ref, cwd, dbPath));
}
