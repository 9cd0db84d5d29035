/** Where the history database lives by default (XDG Base Directory spec: $XDG_DATA_HOME, default ~/.local/share). */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (env.LLMBENCH_DATA_DIR) return resolve(env.LLMBENCH_DATA_DIR);
  const xdg = env.XDG_DATA_HOME;
  // The spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'llmbench');
}

export function defaultDbPath(env: NodeJS.ProcessEnv): string {
  return join(defaultDataDir(env), 'history.db');
}

/** `--db` when given (relative to the working directory), else the default. */
export function resolveDbPath(db: unknown, env: NodeJS.ProcessEnv, cwd: string): string {
  return typeof db === 'string' && db !== '' ? resolve(cwd, db) : defaultDbPath(env);
}
