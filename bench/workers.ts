/**
 * `llmbench run --workers N` (issue 13 §2): does dividing the load among worker processes keep the client's CPU per
 * token flat, and how many tokens per second does it carry? Against the paced server of bench/paced.ts (its own
 * process: TTFT 50 ms + a phase in [0, 20) ms, then one token every 20 ms, 128 tokens, each token its own SSE
 * write), a closed loop of --streams streams for --duration seconds, once per worker count, each on a fresh server.
 *
 * The client is the real CLI (bin/llmbench.js: dist/ when built, so run `npm run build` first to measure the
 * compiled code), and its figures come from its own results.json: client CPU = the parent's `client.cpu_s` plus
 * every worker's `client.workers[].cpu_s` (each the scenario's span, measured in that process), tokens = the
 * output tokens of the requests completed. Reported per point: client CPU-seconds per 1k tokens, tokens per CPU-s,
 * output tokens per second, requests done, the worst event-loop p99 among the processes, load average.
 *
 *   node --import tsx bench/workers.ts [--streams 256] [--duration 20] [--workers 1,2] [--label TEXT]
 * Writes bench/results/workers-<date>.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
};
const streams = Number(arg('streams', '256'));
const durationS = Number(arg('duration', '20'));
const workerCounts = arg('workers', '1,2').split(',').map(Number);
const label = arg('label', '');
const here = import.meta.dirname;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`))));
  });
}

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [join(here, 'paced-server.mjs'), '128', '50', '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((r) => child.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

interface Client {
  cpu_s: number;
  event_loop_delay_p99_ms: number | null;
  workers?: Array<{ worker: number; requests: number; cpu_s: number | null; event_loop_delay_p99_ms: number | null }>;
}

const rows: Record<string, unknown>[] = [];
for (const w of workerCounts) {
  const srv = await startServer();
  const out = mkdtempSync(join(tmpdir(), 'llmbench-workers-bench-'));
  // The run's history database goes here, not into the user's.
  const data = mkdtempSync(join(tmpdir(), 'llmbench-workers-data-'));
  const load0 = loadavg()[0]!;
  try {
    const args = [join(here, '..', 'bin', 'llmbench.js'), 'run', '--target', srv.url, '--api', 'completions', '--input-tokens', '8', '--output-tokens', '128', '--concurrency', String(streams), '--duration', `${durationS}s`, '--workers', String(w), '--no-save-text', '--no-report', '--out', out];
    await run(process.execPath, args, { LLMBENCH_DATA_DIR: data });
    const dir = join(out, readdirSync(out)[0]!);
    const result = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { scenarios: Array<{ summary: { requests_ok: number; requests_failed: number; output_token_throughput: number | null; duration_s: number | null }; client: Client }> };
    const recs = readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; output_tokens: number | null; warmup: boolean });
    const s = result.scenarios[0]!;
    const tokens = recs.reduce((a, r) => a + (r.status === 'ok' && !r.warmup ? r.output_tokens ?? 0 : 0), 0);
    const workersCpu = (s.client.workers ?? []).reduce((a, x) => a + (x.cpu_s ?? 0), 0);
    const cpu = s.client.cpu_s + workersCpu;
    const loops = [s.client.event_loop_delay_p99_ms, ...(s.client.workers ?? []).map((x) => x.event_loop_delay_p99_ms)].filter((x): x is number => x !== null);
    const row = {
      workers: w,
      streams,
      duration_s: durationS,
      requests_done: s.summary.requests_ok,
      failed: s.summary.requests_failed,
      tokens,
      parent_cpu_s: Number(s.client.cpu_s.toFixed(3)),
      workers_cpu_s: s.client.workers ? s.client.workers.map((x) => (x.cpu_s === null ? null : Number(x.cpu_s.toFixed(3)))) : null,
      client_cpu_s: Number(cpu.toFixed(3)),
      cpu_s_per_1k_tokens: Number(((cpu * 1000) / tokens).toFixed(4)),
      tokens_per_cpu_s: Math.round(tokens / cpu),
      output_tokens_per_s: s.summary.output_token_throughput === null ? null : Math.round(s.summary.output_token_throughput),
      event_loop_p99_ms_worst: loops.length ? Number(Math.max(...loops).toFixed(1)) : null,
      load_avg_1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  } finally {
    srv.stop();
    rmSync(out, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
}

const measuredAt = new Date().toISOString();
const date = measuredAt.slice(0, 10);
const machine = { description: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, 1-minute load average at the end ${loadavg()[0]!.toFixed(1)}`, host: hostname(), cpu: cpus()[0]?.model ?? null, cores: cpus().length, node: process.version };
const command = `node --import tsx bench/workers.ts ${process.argv.slice(2).join(' ')}`.trim();
const what = `--workers: client CPU-seconds per 1k tokens and tokens/s with 1 and more worker processes, ${streams} paced streams${label ? ` (${label})` : ''}`;
const report = { what, date, measured_at: measuredAt, label, machine, command, server: { ttft_ms: 50, phase_ms: [0, 20], gap_ms: 20, tokens: 128, write_per_token: true }, rows };
const dir = join(here, 'results');
mkdirSync(dir, { recursive: true });
const stamp = measuredAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
writeFileSync(join(dir, `workers-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
console.log(`wrote bench/results/workers-${stamp}.json`);
