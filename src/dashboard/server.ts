/**
 * The dashboard's HTTP server (node:http, no framework): read-only pages and a JSON API over the history and the
 * result folders, the page assets served from the package (no request leaves the machine), and a server-sent
 * event stream for runs in progress.
 *
 * Safety (docs/dashboard.md): bound to loopback, only loopback `Host` names are accepted (DNS rebinding); any
 * other bind address needs a token, given once as `?token=` which becomes an HttpOnly SameSite=Strict cookie.
 * Only GET/HEAD exist. Files are served only from inside a known run folder, by real path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { timingSafeEqual } from 'node:crypto';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { compareRuns, checkThresholds, parseFailIf, type CompareSide } from '../reports/compare.js';
import { runLabel } from '../reports/charts/common.js';
import { bundledFontFiles } from '../reports/charts/render.js';
import { type RunResult } from '../core/result.js';
import { type RequestRecord } from '../core/record.js';
import { containedPath, DashboardData } from './data.js';
import { comparePage, errorPage, livePage, runPage, runsPage, sweepPage, sweepsPage } from './pages.js';
import { LiveStream } from './live.js';
import { perRequestTests } from './significance.js';

export const COOKIE = 'llmbench_dashboard';

/**
 * Scripts only from the dashboard itself. vega compiles its expressions with `new Function`, hence
 * 'unsafe-eval'; no inline script runs ('unsafe-inline' is absent for scripts), and connections go only back here.
 */
export const PAGE_CSP = "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** A run's own files (report.html, SVG charts) are shown sandboxed: they can run nothing and fetch nothing. */
export const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox";

export interface DashboardServerOptions {
  data: DashboardData;
  host: string;
  port: number;
  /** Required (non-null) when host is not loopback; when set, every request must carry it. */
  token: string | null;
  /** How often live runs are polled for new records, ms. */
  livePollMs?: number;
}

export interface DashboardServer {
  server: Server;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:8090 */
  url: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** A package's folder (some, like vega, do not export their package.json, so walk up from the entry point). */
function packageDir(name: string): string {
  let d = dirname(require.resolve(name));
  while (!existsSync(join(d, 'package.json')) || (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const up = dirname(d);
    if (up === d) throw new Error(`package ${name} not found`);
    d = up;
  }
  return d;
}

function assetsDir(): string {
  // src/dashboard/ and dist/dashboard/ both sit two levels below the package root, beside assets/.
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'dashboard');
}

/** The only files served under /static/: name → [path, content type]. */
function staticFiles(): Map<string, [string, string]> {
  const fonts = dirname(bundledFontFiles()[0]!);
  return new Map([
    ['dashboard.js', [join(assetsDir(), 'dashboard.js'), 'text/javascript; charset=utf-8']],
    ['dashboard.css', [join(assetsDir(), 'dashboard.css'), 'text/css; charset=utf-8']],
    ['vega.min.js', [join(packageDir('vega'), 'build', 'vega.min.js'), 'text/javascript; charset=utf-8']],
    ['vega-lite.min.js', [join(packageDir('vega-lite'), 'build', 'vega-lite.min.js'), 'text/javascript; charset=utf-8']],
    ['DejaVuSans.ttf', [join(fonts, 'DejaVuSans.ttf'), 'font/ttf']],
    ['DejaVuSans-Bold.ttf', [join(fonts, 'DejaVuSans-Bold.ttf'), 'font/ttf']],
  ]);
}

const FILE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** The host name of a Host header (`[::1]:8090` → `::1`), or null when malformed. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(header.trim());
  return m ? m[1]!.replace(/^\[|\]$/g, '') : null;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, v: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(v, null, 1) + '\n');
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, 'text/html; charset=utf-8', html);
}

/** Path segments, percent-decoded; null when a segment does not decode or holds a NUL (never a file name). */
function segments(pathname: string): string[] | null {
  try {
    const segs = pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
    return segs.some((s) => s.includes('\0')) ? null : segs;
  } catch {
    return null;
  }
}

/** Files of a run folder that its page links to (what exists of the usual ones). */
export function runFiles(dir: string | null): string[] {
  if (!dir) return [];
  const out = ['results.json', 'requests.jsonl', 'report.html', 'server.log'].filter((f) => existsSync(join(dir, f)));
  try {
    for (const f of readdirSync(join(dir, 'charts')).sort()) if (f.endsWith('.png')) out.push(`charts/${f}`);
  } catch {
    // no charts folder: run with --no-report
  }
  return out;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  segs: string[];
}

export class DashboardApp {
  private readonly statics = staticFiles();
  readonly liveStreams = new Set<LiveStream>();

  constructor(readonly data: DashboardData, private readonly livePollMs = 500) {}

  handle(c: Ctx): void {
    const [a, b, d, ...rest] = c.segs;
    if (a === '' && c.segs.length === 1) return sendHtml(c.res, 200, runsPage(this.data.runs()));
    if (a === 'static' && b !== undefined && c.segs.length === 2) return this.serveStatic(c, b);
    if (a === 'runs' && b && c.segs.length === 2) return this.runPage(c, b);
    if (a === 'runs' && b && d === 'files' && rest.length) return this.serveRunFile(c, b, rest);
    if (a === 'compare' && c.segs.length === 1) return this.compare(c, false);
    if (a === 'sweeps' && c.segs.length === 1) return sendHtml(c.res, 200, sweepsPage(this.data.sweeps()));
    if (a === 'sweeps' && b && c.segs.length === 2) {
      const s = this.data.sweep(b);
      return s ? sendHtml(c.res, 200, sweepPage(s.row, s.sweep)) : sendHtml(c.res, 404, errorPage(404, 'no such sweep'));
    }
    if (a === 'live' && c.segs.length === 1) return sendHtml(c.res, 200, livePage(this.data.live()));
    if (a === 'api') return this.api(c, c.segs.slice(1));
    return sendHtml(c.res, 404, errorPage(404, 'not found'));
  }

  private serveStatic(c: Ctx, name: string): void {
    const f = this.statics.get(name);
    if (!f) return send(c.res, 404, 'text/plain; charset=utf-8', 'not found\n');
    const body = readFileSync(f[0]);
    send(c.res, 200, f[1], body, { 'cache-control': 'max-age=3600' });
  }

  private runPage(c: Ctx, id: string): void {
    const run = this.data.run(id);
    if (!run) return sendHtml(c.res, 404, errorPage(404, `no run with id ${id}`));
    sendHtml(c.res, 200, runPage(run.row, run.result, run.records, run.dir, runFiles(run.dir)));
  }

  private serveRunFile(c: Ctx, id: string, rel: string[]): void {
    const dir = this.data.runDir(id);
    const notFound = () => send(c.res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (!dir || rel.some((s) => s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\'))) return notFound();
    const wanted = resolve(dir, ...rel);
    if (relative(dir, wanted).split(sep)[0] === '..') return notFound();
    const real = containedPath(dir, wanted);
    if (!real) return notFound();
    let st;
    try {
      st = statSync(real);
    } catch {
      return notFound();
    }
    if (!st.isFile()) return notFound();
    const type = FILE_TYPES[extname(real).toLowerCase()];
    c.res.writeHead(200, {
      'content-type': type ?? 'application/octet-stream',
      'content-length': String(st.size),
      'content-security-policy': FILE_CSP,
      ...(type ? {} : { 'content-disposition': 'attachment' }),
    });
    if (c.req.method === 'HEAD') return void c.res.end();
    createReadStream(real).pipe(c.res);
  }

  private compareInputs(url: URL): { status: number; error?: string; page?: Parameters<typeof comparePage>[0] } {
    const ids = (url.searchParams.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length < 2) return { status: 400, error: 'give at least two run ids: ?ids=a,b' };
    const runs: Array<{ id: string; label: string; result: RunResult; records: RequestRecord[] }> = [];
    for (const id of ids) {
      const r = this.data.run(id);
      if (!r) return { status: 404, error: `no run with id ${id}` };
      if (!r.result) return { status: 404, error: `run ${id}: its result folder is gone` };
      runs.push({ id, label: runLabel(r.result), result: r.result, records: r.records });
    }
    // Two runs with the same label would be indistinguishable in the table: add the id.
    for (const r of runs) if (runs.filter((x) => x.label === r.label).length > 1) r.label = `${r.label} (${r.id})`;
    const baseline = url.searchParams.get('baseline') || ids[0]!;
    const base = runs.find((r) => r.id === baseline);
    if (!base) return { status: 400, error: `baseline ${baseline} is not one of the compared ids` };
    const side = (r: (typeof runs)[number]): CompareSide => ({ info: { label: r.label, run_id: r.id, source: r.id }, result: r.result });
    const others = runs.filter((r) => r !== base);
    const comparison = compareRuns(side(base), others.map(side));
    const failIf = url.searchParams.get('fail_if') ?? '';
    let violations: string[] | null = null;
    let failIfError: string | null = null;
    if (failIf.trim()) {
      try {
        violations = checkThresholds(side(base), others.map(side), parseFailIf([failIf]));
      } catch (e) {
        failIfError = (e as Error).message;
      }
    }
    const tests = perRequestTests(base, others);
    return { status: failIfError ? 400 : 200, page: { ids, baseline, failIf, runs: [base, ...others], comparison, violations, failIfError, tests } };
  }

  private compare(c: Ctx, json: boolean): void {
    const r = this.compareInputs(c.url);
    if (json) {
      if (!r.page) return sendJson(c.res, r.status, { error: r.error });
      const p = r.page;
      return sendJson(c.res, r.status, {
        ids: p.ids,
        baseline: p.baseline,
        comparison: p.comparison,
        fail_if: p.failIf || null,
        violations: p.violations,
        passed: p.violations === null ? null : p.violations.length === 0,
        per_request_tests: p.tests,
        ...(p.failIfError ? { error: p.failIfError } : {}),
      });
    }
    if (!r.page) return sendHtml(c.res, r.status, errorPage(r.status, r.error!));
    sendHtml(c.res, r.status, comparePage(r.page));
  }

  private api(c: Ctx, s: string[]): void {
    const [a, b, d, e] = s;
    if (a === 'runs' && s.length === 1) return sendJson(c.res, 200, this.data.runs());
    if (a === 'runs' && b && s.length === 2) {
      const r = this.data.run(b);
      if (!r) return sendJson(c.res, 404, { error: `no run with id ${b}` });
      return sendJson(c.res, 200, { ...r.row, dir: r.dir, result: r.result, records: r.records.length, files: runFiles(r.dir) });
    }
    if (a === 'runs' && b && d === 'requests' && e !== undefined && s.length === 4) {
      const r = this.data.run(b);
      const i = /^\d+$/.test(e) ? Number(e) : -1;
      const rec = r?.records[i];
      if (!rec) return sendJson(c.res, 404, { error: 'no such request record' });
      return sendJson(c.res, 200, { record: i, ...rec });
    }
    if (a === 'compare' && s.length === 1) return this.compare(c, true);
    if (a === 'sweeps' && s.length === 1) return sendJson(c.res, 200, this.data.sweeps().map(({ dir: _d, ...x }) => x));
    if (a === 'sweeps' && b && s.length === 2) {
      const sw = this.data.sweep(b);
      return sw ? sendJson(c.res, 200, sw.sweep) : sendJson(c.res, 404, { error: 'no such sweep' });
    }
    if (a === 'live' && s.length === 1) return sendJson(c.res, 200, this.data.live().map(({ dir: _d, ...x }) => x));
    if (a === 'live' && b === 'events' && s.length === 2) {
      const stream = new LiveStream(this.data, c.res, this.livePollMs);
      this.liveStreams.add(stream);
      c.res.on('close', () => {
        stream.stop();
        this.liveStreams.delete(stream);
      });
      return stream.start();
    }
    return sendJson(c.res, 404, { error: 'no such API path' });
  }
}

/** Starts the server; resolves once it listens (port 0 picks a free port). */
export async function startDashboard(opts: DashboardServerOptions): Promise<DashboardServer> {
  const loopback = isLoopbackHost(opts.host);
  if (!loopback && !opts.token) throw new Error('a non-loopback --host needs a token');
  const app = new DashboardApp(opts.data, opts.livePollMs);
  const server = createServer((req, res) => {
    res.setHeader('content-security-policy', PAGE_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cache-control', 'no-store');
    try {
      // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends Host: evil.example.
      const host = hostName(req.headers.host);
      if (!host || (loopback && !isLoopbackHost(host))) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: this dashboard answers only to a loopback Host\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'read-only: only GET and HEAD\n', { allow: 'GET, HEAD' });
      const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
      if (opts.token) {
        const given = url.searchParams.get('token');
        if (given !== null && safeEqual(given, opts.token)) {
          // Trade the URL's token for a cookie once, and drop it from the address bar (and from history).
          url.searchParams.delete('token');
          return send(res, 303, 'text/plain; charset=utf-8', 'see other\n', {
            'set-cookie': `${COOKIE}=${encodeURIComponent(opts.token)}; HttpOnly; SameSite=Strict; Path=/`,
            // One leading slash: `//host` would send the browser elsewhere (an open redirect).
            location: `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`,
          });
        }
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const cookie = cookieToken(req);
        if (!(cookie !== null && safeEqual(cookie, opts.token)) && !(auth !== undefined && safeEqual(auth, opts.token))) {
          return send(res, 401, 'text/plain; charset=utf-8', 'unauthorised: open the URL with ?token= printed at start\n');
        }
      }
      const segs = segments(url.pathname);
      if (!segs) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      app.handle({ req, res, url, segs });
    } catch (e) {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(e as Error).message}\n`);
      else res.destroy();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    server,
    port,
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of app.liveStreams) s.stop();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
