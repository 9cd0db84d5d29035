/**
 * A server process for one sweep point: started through the shell in its own process group (detached), its output
 * appended to server.log, polled until `ready`, and stopped as a whole group: the stop signal, a grace period,
 * then SIGKILL. Stopping waits until no process of the group is left and the port accepts no connection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { request as httpsRequest } from 'node:https';

/** TLS settings for polling an https ready URL (the benchmark's ca-cert, client-cert, client-key, insecure). */
export interface ReadyTls {
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

/** Status code of GET url; https goes through node:https so a private CA or mutual TLS (MindIE) works too. */
export function getStatus(url: string, timeoutMs: number, tls: ReadyTls = {}): Promise<number> {
  if (!url.startsWith('https:')) {
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), timeoutMs);
    return fetch(url, { signal: ac.signal })
      .then(async (r) => {
        await r.arrayBuffer().catch(() => undefined);
        return r.status;
      })
      .finally(() => clearTimeout(t));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'GET', ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface ServerStart {
  command: string;
  env: Record<string, string>;
  cwd: string;
  logPath: string;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1, as the kernel hands out for port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Whether any process of the group still exists (kill(-pgid, 0) fails with ESRCH once all are gone). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a process of the group is still running. A process whose parent (the shell) died first is a zombie
 * until init reaps it, which in some containers takes seconds; a zombie holds no port and runs nothing, so on
 * Linux the group counts as stopped once only zombies are left (read from /proc/<pid>/stat: state and pgrp).
 */
export function groupAlive(pgid: number): boolean {
  if (!groupExists(pgid)) return false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') return true;
  }
  return false;
}

export function describeExit(e: ServerExit): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

/** Last lines of a log file (empty when it cannot be read). */
export function logTail(path: string, lines = 20): string[] {
  try {
    const text = readFileSync(path, 'utf8');
    return text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1).slice(-lines);
  } catch {
    return [];
  }
}

/**
 * Groups started and not yet stopped. If llmbench exits without stopping them (a second Ctrl-C exits at once),
 * they are killed on the way out: a detached server would otherwise outlive the sweep, holding its port and
 * accelerator memory.
 */
const liveGroups = new Set<number>();
let exitHook = false;

function track(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const g of liveGroups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export class ServerProcess {
  readonly pid: number;
  private readonly child: ChildProcess;
  /** Resolves when the shell (the group leader) exits. */
  readonly exited: Promise<ServerExit>;
  exit: ServerExit | null = null;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid!;
    track(this.pid);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  static start(s: ServerStart): ServerProcess {
    const fd = openSync(s.logPath, 'a');
    try {
      const child = spawn('/bin/sh', ['-c', s.command], { cwd: s.cwd, env: { ...process.env, ...s.env }, stdio: ['ignore', fd, fd], detached: true });
      if (child.pid === undefined) throw new Error(`could not start /bin/sh for: ${s.command}`);
      return new ServerProcess(child);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Polls `url` until it answers 200. Resolves 'ready', or the reason it never did: the process exiting first,
   * the timeout, or the abort signal.
   */
  async waitReady(url: string, timeoutMs: number, signal: AbortSignal, tls: ReadyTls = {}): Promise<{ ready: true } | { ready: false; reason: string; aborted?: boolean }> {
    const deadline = Date.now() + timeoutMs;
    let interval = 50;
    while (true) {
      if (this.exit) return { ready: false, reason: `the server exited before it was ready (${describeExit(this.exit)})` };
      if (signal.aborted) return { ready: false, reason: 'interrupted', aborted: true };
      try {
        if ((await getStatus(url, Math.min(5000, Math.max(100, deadline - Date.now())), tls)) === 200) return { ready: true };
      } catch {
        // not listening yet
      }
      if (Date.now() >= deadline) return { ready: false, reason: `not ready after ${Math.round(timeoutMs / 1000)} s (GET ${url} never answered 200)` };
      await Promise.race([sleep(Math.min(interval, Math.max(0, deadline - Date.now()))), this.exited]);
      interval = Math.min(500, interval * 2);
    }
  }

  /** Signal, grace, SIGKILL, always to the whole group; resolves once no process of the group is left. */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<{ killed: boolean }> {
    const send = (sig: NodeJS.Signals) => {
      try {
        process.kill(-this.pid, sig);
      } catch {
        // the group is already gone
      }
    };
    if (groupAlive(this.pid)) send(signal);
    const deadline = Date.now() + graceMs;
    while (groupAlive(this.pid) && Date.now() < deadline) await sleep(50);
    let killed = false;
    if (groupAlive(this.pid)) {
      killed = true;
      send('SIGKILL');
      for (let i = 0; i < 200 && groupAlive(this.pid); i++) await sleep(25);
    }
    // The leader is reaped by node ('exit'); wait for it so its zombie does not keep the group alive.
    await Promise.race([this.exited, sleep(2000)]);
    liveGroups.delete(this.pid);
    return { killed };
  }
}

/** Waits until nothing listens on the port (the next point reuses nothing of this one); false after the timeout. */
export async function waitPortFree(port: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await portInUse(port)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}
