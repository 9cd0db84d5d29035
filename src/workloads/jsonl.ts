/**
 * Reading JSONL evaluation files: one JSON object per line, blank lines skipped. Every problem names the file,
 * the line and the field, so a user can fix the file without guessing. Nothing is ever downloaded.
 */
import { readFile } from 'node:fs/promises';
import { UsageError, type Problem } from '../core/errors.js';

export interface JsonlRow {
  /** 1-based line number in the file. */
  line: number;
  value: Record<string, unknown>;
}

/** Stop listing problems after this many: a wrong file usually fails on every line. */
const MAX_PROBLEMS = 5;

/** Reads `path` as JSONL; `flag` is the option that named the file (`--dataset-path`). */
export async function readJsonl(path: string, flag: string): Promise<JsonlRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError([{ where: flag, message: `cannot read ${path} (${code})`, hint: 'give the path of a local JSONL file; llmbench never downloads datasets' }]);
  }
  const rows: JsonlRow[] = [];
  const problems: Problem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      problems.push({ where: flag, message: `${path} line ${i + 1}: not valid JSON (${(e as Error).message})`, hint: 'the file must be JSONL: one JSON object per line' });
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      problems.push({ where: flag, message: `${path} line ${i + 1}: not a JSON object`, hint: 'each line must be an object such as {"question": ..., "answer": ...}' });
      continue;
    }
    rows.push({ line: i + 1, value: v as Record<string, unknown> });
  }
  if (problems.length) throw new UsageError(problems);
  if (rows.length === 0) throw new UsageError([{ where: flag, message: `${path} has no JSON lines`, hint: 'give a JSONL file with one object per line' }]);
  return rows;
}

/** A field by name or dotted path (`meta.answer`); undefined when absent. */
export function fieldOf(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * The text of `field` on every row; numbers and booleans are turned into text (answers are often JSON numbers).
 * Rows where it is missing or not text are reported, up to MAX_PROBLEMS, naming file, line and field.
 */
export function textField(rows: readonly JsonlRow[], field: string, path: string, flag: string, hint: string): string[] {
  const out: string[] = [];
  const problems: Problem[] = [];
  for (const r of rows) {
    const v = fieldOf(r.value, field);
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else if (problems.length < MAX_PROBLEMS) {
      const keys = Object.keys(r.value).slice(0, 8).join(', ');
      problems.push({
        where: flag,
        message: `${path} line ${r.line}: field "${field}" is ${v === undefined ? 'missing' : `not text (${v === null ? 'null' : typeof v})`}; the line has: ${keys || 'no fields'}`,
        hint,
      });
    }
  }
  if (problems.length) throw new UsageError(problems);
  return out;
}
