/**
 * The heartbeat of a run in progress: `heartbeat.json` in its result folder, rewritten every second and removed
 * when the run ends (also on Ctrl-C, and on process exit). `llmbench dashboard` shows a run as live only while
 * this file is fresh, so a crashed run (its heartbeat left behind, no longer updated) is not shown as live.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HEARTBEAT_FILE = 'heartbeat.json';
export const HEARTBEAT_SCHEMA = 'llmbench.heartbeat/v1';
export const HEARTBEAT_INTERVAL_MS = 1000;

export interface HeartbeatBody {
  schema: typeof HEARTBEAT_SCHEMA;
  run_id: string;
  started_at: string;
  pid: number;
  /** ISO 8601 UTC time of this write. */
  updated_at: string;
}

export interface Heartbeat {
  stop(): void;
}

/**
 * Starts beating for a run whose folder may not exist yet (`dir()` returns null until it does: the folder is
 * made once the first target opens). Never throws: a heartbeat that cannot be written only costs liveness.
 */
export function startHeartbeat(dir: () => string | null, info: { run_id: string; started_at: string }, intervalMs = HEARTBEAT_INTERVAL_MS): Heartbeat {
  let written: string | null = null;
  const beat = () => {
    const d = dir();
    if (!d) return;
    const file = join(d, HEARTBEAT_FILE);
    const body: HeartbeatBody = { schema: HEARTBEAT_SCHEMA, run_id: info.run_id, started_at: info.started_at, pid: process.pid, updated_at: new Date().toISOString() };
    try {
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(body) + '\n');
      renameSync(tmp, file);
      written = file;
    } catch {
      // the folder went away or is read-only: the run goes on, it is just not shown as live
    }
  };
  const remove = () => {
    if (written) rmSync(written, { force: true });
    written = null;
  };
  // A second Ctrl-C calls process.exit(), which skips the run's finally; the exit hook still removes the file.
  const onExit = () => remove();
  process.on('exit', onExit);
  // Poll fast until the folder exists, so a new run shows up at once, then beat once per interval.
  let timer: NodeJS.Timeout | null = null;
  const fast = setInterval(() => {
    if (!dir()) return;
    clearInterval(fast);
    beat();
    timer = setInterval(beat, intervalMs);
    timer.unref();
  }, 100);
  fast.unref();
  return {
    stop() {
      clearInterval(fast);
      if (timer) clearInterval(timer);
      process.off('exit', onExit);
      try {
        remove();
      } catch {
        // best effort, as above
      }
    },
  };
}
