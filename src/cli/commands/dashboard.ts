import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { type CommandDef } from '../command.js';
import { DASHBOARD_OPTIONS } from '../options/dashboard.js';
import { resolveDbPath } from '../../store/paths.js';
import { SetupError, UsageError } from '../../core/errors.js';

/** Opens a URL in the desktop's browser; failing to is only a notice (the URL is printed anyway). */
function openBrowser(url: string, onError: (m: string) => void): void {
  const cmd = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
  try {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'ignore', detached: true });
    child.on('error', (e) => onError(`could not open a browser (${e.message}); open the URL above`));
    child.unref();
  } catch (e) {
    onError(`could not open a browser (${(e as Error).message}); open the URL above`);
  }
}

export const dashboardCommand: CommandDef = {
  name: 'dashboard',
  summary: 'browse every run, compare runs, see sweeps and watch runs live in the browser (read-only, local)',
  description:
    'A read-only web server over the history database and the result folders: the runs table (filter, sort, select and compare), each run with interactive charts and its request records, compare with deltas and --fail-if verdicts, sweeps, and runs in progress updated live. It binds 127.0.0.1 and answers only to loopback Host names; another --host needs a token. It never writes the database or any result folder. Pages, API and safety: docs/dashboard.md.',
  options: DASHBOARD_OPTIONS,
  examples: ['llmbench dashboard', 'llmbench dashboard --results ./results --results ./nightly --port 0', 'llmbench dashboard --host 0.0.0.0 --token "$(openssl rand -hex 16)"'],
  async run(args, io) {
    // The server, its charts (vega) and the database (a native addon) load only when the command runs: `--help` stays fast.
    const { DashboardData } = await import('../../dashboard/data.js');
    const { isLoopbackHost, startDashboard } = await import('../../dashboard/server.js');
    const v = args.values;
    const host = v.host as string;
    let token = (v.token as string | undefined) || null;
    if (token !== null && token.length < 8) throw new UsageError([{ where: '--token', message: 'is shorter than 8 characters', hint: 'use a longer token, or leave it out off loopback to get a generated one' }]);
    let generated = false;
    if (!isLoopbackHost(host) && !token) {
      token = randomBytes(18).toString('base64url');
      generated = true;
    }
    const data = new DashboardData({ dbPath: resolveDbPath(v.db, io.env, io.cwd), resultDirs: (v.results as string[]).map((d) => resolve(io.cwd, d)) });
    let handle;
    try {
      handle = await startDashboard({ data, host, port: v.port as number, token });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new SetupError('LLMBENCH_DASHBOARD_LISTEN', `cannot listen on ${host}:${String(v.port)}: ${code ?? (e as Error).message}`, code === 'EADDRINUSE' ? 'the port is taken: choose another with --port, or --port 0 for a free one' : 'check --host');
    }
    const url = token ? `${handle.url}/?token=${encodeURIComponent(token)}` : `${handle.url}/`;
    io.stderr(`llmbench dashboard: serving ${data.resultDirs.join(', ')}${data.resultDirs.length ? '' : ' (no result folders)'} on port ${handle.port}\n`);
    if (generated) io.stderr('llmbench dashboard: not on loopback, so a token is required; this one was generated (the URL carries it once, then a cookie does)\n');
    io.stdout(`${url}\n`);
    if (v.open) openBrowser(url, (m) => io.stderr(`llmbench dashboard: ${m}\n`));
    await new Promise<void>((done) => {
      if (io.signal.aborted) done();
      else io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await handle.close();
    return 0;
  },
};
