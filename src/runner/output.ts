/**
 * The result folder: `<out>/<name>_<model>_<YYYYMMDD_HHMMSS>/` with requests.jsonl (appended line by line, with a
 * synchronous write per finished request, so a crash keeps every completed request) and results.json (rewritten
 * atomically after every scenario, and at the end).
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type RequestRecord } from '../core/record.js';
import { type RunResult } from '../core/result.js';
import { SetupError } from '../core/errors.js';

export function timestampSlug(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A model name safe in a folder name: basename without .gguf, odd characters replaced. */
export function modelSlug(model: string): string {
  const base = basename(model.replace(/^hf:/, '')).replace(/\.gguf$/i, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'model';
}

export class RunOutput {
  readonly dir: string;
  readonly requestsPath: string;
  readonly resultsPath: string;
  private fd: number | null;

  /** `suffix` ends the folder's name (a shard's "_shard-1-of-3", so shards sharing a volume never collide). */
  constructor(outRoot: string, name: string, model: string, started: Date, suffix = '') {
    const base = `${name}_${modelSlug(model)}_${timestampSlug(started)}${suffix}`;
    let dir = join(outRoot, base);
    for (let i = 2; existsSync(dir); i++) dir = join(outRoot, `${base}-${i}`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new SetupError('LLMBENCH_OUTPUT', `cannot create the result folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'choose a writable folder with --out');
    }
    this.dir = dir;
    this.requestsPath = join(dir, 'requests.jsonl');
    this.resultsPath = join(dir, 'results.json');
    this.fd = openSync(this.requestsPath, 'a');
  }

  appendRecord(r: RequestRecord): void {
    if (this.fd === null) return;
    writeSync(this.fd, JSON.stringify(r) + '\n');
  }

  /** The size of requests.jsonl now: a mark `replaceFrom` can later rewrite from. */
  mark(): number {
    return this.fd === null ? 0 : fstatSync(this.fd).size;
  }

  /**
   * Replaces everything appended since `mark` with `records` (a conversation scenario on workers: its records are
   * appended as they arrive, so a crash keeps them, then rewritten once with indexes in the whole run's send order).
   * Atomic: the new file is written beside the old one and renamed over it.
   */
  replaceFrom(mark: number, records: RequestRecord[]): void {
    if (this.fd === null) return;
    const head = Buffer.alloc(mark);
    if (mark > 0) {
      const rfd = openSync(this.requestsPath, 'r');
      try {
        readSync(rfd, head, 0, mark, 0);
      } finally {
        closeSync(rfd);
      }
    }
    const tmp = `${this.requestsPath}.tmp-${process.pid}`;
    writeFileSync(tmp, Buffer.concat([head, Buffer.from(records.map((r) => JSON.stringify(r) + '\n').join(''))]));
    closeSync(this.fd);
    renameSync(tmp, this.requestsPath);
    this.fd = openSync(this.requestsPath, 'a');
  }

  writeResults(result: RunResult): void {
    writeJsonAtomic(this.resultsPath, result);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}
