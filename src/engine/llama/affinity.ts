/**
 * Which CPUs the engine process runs on (`--engine-cpus`).
 *
 * Why pin: the engine drives llama.cpp through node-llama-cpp's addon, whose every call (llama_decode, then the
 * sampling of each token) runs on a libuv pool thread and resolves a promise on Node's main thread: two thread
 * hand-overs per generated token. When the two threads sit on different CPUs, each hand-over wakes an idle CPU,
 * and on a virtual machine that costs a trip through the hypervisor. Measured here (2 vCPUs, 1 compute thread;
 * docs/engine.md, "CPU placement"): one greedy sampleToken round trip took 70–170 µs unpinned and 9 µs with the
 * process on one CPU. With the engine's main thread and its compute threads on the same CPUs the hand-over is a
 * plain context switch on a CPU whose work is waiting for it anyway (the two never run at once: one waits for
 * the other).
 *
 * `auto` pins the engine to the last `threads` CPUs the process may use, leaving the first ones to the parent
 * (the runner, the HTTP client, `serve`'s server), and only where that leaves at least one CPU free; `none`
 * leaves placement to the OS; a CPU list ("1", "2-3", "0,2") pins to exactly those. Linux only (taskset, from
 * util-linux, sets the affinity of every existing thread; threads created later inherit it).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type CpuSetting = 'auto' | 'none' | number[];

/** Parses taskset's list format: "1", "0-3", "0,2,4-5". Throws with the problem named. */
export function parseCpuList(raw: string): number[] {
  const out = new Set<number>();
  for (const part of raw.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`'${raw}' is not a CPU list (like 1, 2-3 or 0,2)`);
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (hi < lo) throw new Error(`'${part.trim()}' in '${raw}' is a descending range`);
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/** The inverse of parseCpuList, with ranges folded: [0,1,2,5] → "0-2,5". */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(j === i ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The CPUs this process may run on (Linux: /proc/self/status), or null where that can't be read. */
export function allowedCpus(): number[] | null {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? parseCpuList(m[1]!) : null;
  } catch {
    return null;
  }
}

export interface CpuChoice {
  /** CPUs to pin to; null = leave placement to the OS. */
  cpus: number[] | null;
  /** Why nothing is pinned, or what was asked for that can't be honoured. */
  note: string | null;
}

/** Pure: which CPUs a setting means for `threads` compute threads, given the CPUs allowed. */
export function chooseCpus(setting: CpuSetting, threads: number, allowed: readonly number[] | null): CpuChoice {
  if (setting === 'none') return { cpus: null, note: null };
  if (setting !== 'auto') {
    if (allowed) {
      const bad = setting.filter((c) => !allowed.includes(c));
      if (bad.length) return { cpus: null, note: `--engine-cpus ${formatCpuList(setting)}: CPU ${formatCpuList(bad)} is not among the CPUs this process may use (${formatCpuList(allowed)}); not pinned` };
    }
    return { cpus: [...setting], note: null };
  }
  if (!allowed) return { cpus: null, note: 'the allowed CPUs could not be read (not Linux?); not pinned' };
  if (threads >= allowed.length) return { cpus: null, note: `${threads} compute thread${threads === 1 ? '' : 's'} on ${allowed.length} allowed CPU${allowed.length === 1 ? '' : 's'}: none left for llmbench itself; not pinned` };
  return { cpus: allowed.slice(allowed.length - threads), note: null };
}

/** Pins every thread of process `pid` to `cpus` with taskset; returns an error text, or null on success. */
export function pinProcess(pid: number, cpus: readonly number[]): string | null {
  const r = spawnSync('taskset', ['-a', '-p', '-c', formatCpuList(cpus), String(pid)], { encoding: 'utf8' });
  if (r.error) return `taskset could not be run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); not pinned`;
  if (r.status !== 0) return `taskset failed: ${r.stderr.trim() || `exit ${r.status}`}; not pinned`;
  return null;
}

/** What the engine records in `environment`: the CPUs it is pinned to ("1", "2-3") or null, and why not. */
export function applyCpuSetting(setting: CpuSetting, threads: number, pid = process.pid): { engine_cpus: string | null; engine_cpus_note: string | null } {
  const choice = chooseCpus(setting, threads, allowedCpus());
  if (!choice.cpus) return { engine_cpus: null, engine_cpus_note: choice.note };
  const err = pinProcess(pid, choice.cpus);
  if (err) return { engine_cpus: null, engine_cpus_note: err };
  return { engine_cpus: formatCpuList(choice.cpus), engine_cpus_note: null };
}
