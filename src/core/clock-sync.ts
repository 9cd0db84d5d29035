/**
 * How well this machine's wall clock is synchronised, as the OS reports it: shards on several machines start at
 * one wall-clock instant and are merged onto one clock, so each shard records what its clock's error may be.
 * `chronyc tracking` gives an estimate; `timedatectl` only says whether NTP is synchronised. Neither present (or
 * neither answering): null, never a made-up 0.
 */
import { execFile } from 'node:child_process';

export interface ClockSync {
  /** The command the state came from. */
  source: 'chronyc' | 'timedatectl';
  synchronized: boolean | null;
  /** chrony's bound on the clock's error: |offset| + root delay / 2 + root dispersion, ms; null when unknown. */
  estimated_error_ms: number | null;
  /** chrony's current offset from NTP time, ms (positive: this clock is ahead); null when unknown. */
  offset_ms: number | null;
}

/** Parses `chronyc tracking` output; null when it is not that output. */
export function parseChronyTracking(text: string): ClockSync | null {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  const systemTime = field('System time');
  const leap = field('Leap status');
  if (systemTime === null && leap === null) return null;
  const secs = (v: string | null) => {
    const m = v ? /^(-?\d+(?:\.\d+)?)\s+seconds/.exec(v) : null;
    return m ? Number(m[1]) : null;
  };
  const st = systemTime ? /^(\d+(?:\.\d+)?)\s+seconds\s+(fast|slow)/.exec(systemTime) : null;
  const offset = st ? Number(st[1]) * (st[2] === 'fast' ? 1 : -1) : null;
  const delay = secs(field('Root delay'));
  const dispersion = secs(field('Root dispersion'));
  const synced = leap === null ? null : leap !== 'Not synchronised';
  const error = offset !== null && delay !== null && dispersion !== null && synced ? (Math.abs(offset) + delay / 2 + dispersion) * 1000 : null;
  return { source: 'chronyc', synchronized: synced, estimated_error_ms: error, offset_ms: offset !== null ? offset * 1000 : null };
}

/** Parses `timedatectl show` (NTPSynchronized=yes|no); null when absent. */
export function parseTimedatectl(text: string): ClockSync | null {
  const m = /^NTPSynchronized=(yes|no)$/m.exec(text);
  return m ? { source: 'timedatectl', synchronized: m[1] === 'yes', estimated_error_ms: null, offset_ms: null } : null;
}

function run(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 2000 }, (err, stdout) => resolve(err ? null : stdout));
  });
}

/** The clock's sync state from chronyc, else timedatectl, else null. */
export async function clockSync(): Promise<ClockSync | null> {
  const chrony = await run('chronyc', ['tracking']);
  const c = chrony !== null ? parseChronyTracking(chrony) : null;
  if (c) return c;
  const td = await run('timedatectl', ['show']);
  return td !== null ? parseTimedatectl(td) : null;
}
