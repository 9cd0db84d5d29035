import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SweepResult } from '../../src/sweep/result.js';

export function readSweep(out: string): { dir: string; sweep: SweepResult } {
  const [folder] = readdirSync(out).filter((f) => f.includes('_sweep_'));
  const dir = join(out, folder!);
  return { dir, sweep: JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepResult };
}

/**
 * Whether every process of the group is gone: kill(-pgid, 0) fails with ESRCH. Orphans the shell left behind are
 * reaped by init, which in some containers takes seconds, so this waits for it (generously).
 */
export async function groupGone(pgid: number): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(-pgid, 0);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
