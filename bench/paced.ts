/**
 * The paced-server benchmark (issue 13 §1): how much CPU llmbench spends per streamed token, and how far the
 * inter-token gaps it measures are from the gaps at which the server really wrote the tokens, when many streams
 * are paced like a real server's decode: TTFT 50 ms (+ a per-request phase in [0, 20) ms so streams are not in
 * step), then one token every 20 ms, 128 tokens per request, each token its own SSE write (bench/paced-server.mjs,
 * a separate process that logs each write's time). Closed loop: each stream sends its next request when the last
 * one ends, for --duration seconds.
 *
 * Every client runs in its own process against a fresh server, one after the other, and reports its own CPU time:
 *   - llmbench, this checkout (bench/paced-client.ts: the whole run pipeline);
 *   - llmbench at another checkout (--baseline DIR, e.g. a git worktree of the commit before a change), same driver;
 *   - vLLM's client (--vllm-client PATH): a driver script, kept outside this repository, that runs `vllm bench
 *     serve`'s own aiohttp request function (docs/bench.md says how to set it up); not run unless given.
 * Per client and stream count: tokens per client CPU-second (tokens = the server's token writes for the requests the
 * client completed), CPU µs per token, gap error p50 / p99 (|measured gap − server's write gap| for the same token),
 * requests done, llmbench's event-loop p99, and the load average before and after (the machine may be shared).
 *
 *   node --import tsx bench/paced.ts [--streams 64,512,1024] [--duration 10] [--baseline DIR] [--vllm-client PATH]
 *        [--python /usr/bin/python3] [--label TEXT] [--pin]
 * --pin runs the server on CPU 0 and each client on CPU 1 (taskset), so the client has one core of its own and the
 * gap error measures the client, not two processes fighting over the same cores.
 * Writes bench/results/paced-<date>.json and .md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { distribution } from '../src/metrics/stats.js';

const arg = (name: string, def: string | null = null) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
};
const streamCounts = arg('streams', '64,512,1024')!.split(',').map(Number);
const durationS = Number(arg('duration', '10'));
const baseline = arg('baseline');
const vllmClient = arg('vllm-client');
const python = arg('python', '/usr/bin/python3')!;
const label = arg('label', '');
const pin = process.argv.includes('--pin');
/** The command, under `taskset -c CPU` with --pin. */
const pinned = (cpu: number, cmd: string, args: string[]): [string, string[]] => (pin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args]);
const here = import.meta.dirname;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

async function startServer(): Promise<{ url: string; stop(): void }> {
  const [cmd, args] = pinned(0, process.execPath, [join(here, 'paced-server.mjs'), '128', '50', '20']);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((r) => child.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

interface ClientOut {
  cpu_s: number;
  /** llmbench: the whole process, module loading and probe included (cpu_s is the timed phase). */
  process_cpu_s?: number;
  wall_s: number;
  requests: number;
  failed: number;
  loop_p99_ms: number | null;
  streams: Record<string, number[]>;
}

const clients: { name: string; cmd(url: string, n: number): [string, string[]] }[] = [];
if (baseline) clients.push({ name: 'llmbench (before)', cmd: (url, n) => [process.execPath, ['--import', 'tsx', join(here, 'paced-client.ts'), '--root', resolve(baseline), '--url', url, '--streams', String(n), '--duration', String(durationS)]] });
clients.push({ name: 'llmbench', cmd: (url, n) => [process.execPath, ['--import', 'tsx', join(here, 'paced-client.ts'), '--url', url, '--streams', String(n), '--duration', String(durationS)]] });
if (vllmClient) clients.push({ name: "vLLM's client", cmd: (url, n) => [python, [resolve(vllmClient), '--url', url, '--streams', String(n), '--duration', String(durationS)]] });

const rows: Record<string, unknown>[] = [];
for (const n of streamCounts) {
  for (const c of clients) {
    const srv = await startServer();
    const load0 = loadavg()[0]!;
    try {
      const [cmd, args] = pinned(1, ...c.cmd(srv.url, n));
      const out = JSON.parse((await run(cmd, args)).trim().split('\n').pop()!) as ClientOut;
      const log = (await (await fetch(`${srv.url}/log`)).json()) as Record<string, number[]>;
      const errors: number[] = [];
      let tokens = 0;
      for (const [id, got] of Object.entries(out.streams)) {
        const writes = log[id];
        if (!writes) continue;
        tokens += writes.length;
        // Token i's measured gap against the server's gap between writes i-1 and i (a client that counts the
        // finish chunk as one more "token" has one entry more: it is not compared).
        const k = Math.min(got.length, writes.length);
        for (let i = 1; i < k; i++) errors.push(Math.abs(got[i]! - got[i - 1]! - (writes[i]! - writes[i - 1]!)));
      }
      const d = distribution(errors);
      const row = {
        client: c.name,
        streams: n,
        duration_s: durationS,
        requests_done: out.requests - out.failed,
        failed: out.failed,
        tokens,
        client_cpu_s: Number(out.cpu_s.toFixed(3)),
        process_cpu_s: out.process_cpu_s === undefined ? null : Number(out.process_cpu_s.toFixed(3)),
        tokens_per_cpu_s: Math.round(tokens / out.cpu_s),
        cpu_us_per_token: Number(((out.cpu_s * 1e6) / tokens).toFixed(1)),
        wall_s: Number(out.wall_s.toFixed(2)),
        gap_error_p50_ms: d.p50 === null ? null : Number(d.p50.toFixed(3)),
        gap_error_p99_ms: d.p99 === null ? null : Number(d.p99.toFixed(3)),
        gaps: d.n,
        event_loop_p99_ms: out.loop_p99_ms === null ? null : Number(out.loop_p99_ms.toFixed(1)),
        load_avg_1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      srv.stop();
    }
  }
}

const measuredAt = new Date().toISOString();
const date = measuredAt.slice(0, 10);
const machine = { description: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, 1-minute load average at the end ${loadavg()[0]!.toFixed(1)}`, host: hostname(), cpu: cpus()[0]?.model ?? null, cores: cpus().length, node: process.version };
const command = `node --import tsx bench/paced.ts ${process.argv.slice(2).join(' ')}`.trim();
// The shape every bench/results record has (what, date, machine.description, command), then this bench's own fields.
const what = `paced-server benchmark: tokens per client CPU-second and inter-token gap error${label ? ` (${label})` : ''}`;
const report = { what, date, measured_at: measuredAt, label, machine, command, pinned: pin ? { server_cpu: 0, client_cpu: 1 } : null, server: { ttft_ms: 50, phase_ms: [0, 20], gap_ms: 20, tokens: 128, write_per_token: true }, rows };
const dir = join(here, 'results');
mkdirSync(dir, { recursive: true });
const stamp = measuredAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
writeFileSync(join(dir, `paced-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
const md = [
  `# Paced-server benchmark, ${measuredAt}${label ? ` (${label})` : ''}`,
  '',
  `Machine: ${machine.cores} × ${machine.cpu}, Node ${machine.node}. Command: \`${command}\`.`,
  ...(pin ? ['Pinned: the server on CPU 0, each client on CPU 1 (taskset).'] : []),
  'Server: TTFT 50 ms + phase in [0, 20) ms, one token every 20 ms, 128 tokens, each token its own SSE write; closed loop.',
  'Load average (1 min) is recorded before and after each client: the machine may be shared, which inflates wall-clock',
  'figures and gap errors far more than CPU-seconds per token.',
  '',
  '| streams | client | tokens / CPU-s | CPU µs / token | gap error p50 / p99 (ms) | requests done | event-loop p99 (ms) | load avg before → after |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.streams} | ${r.client} | ${(r.tokens_per_cpu_s as number).toLocaleString('en')} | ${r.cpu_us_per_token} | ${r.gap_error_p50_ms} / ${r.gap_error_p99_ms} | ${r.requests_done} | ${r.event_loop_p99_ms ?? '–'} | ${(r.load_avg_1m as number[]).join(' → ')} |`),
  '',
].join('\n');
writeFileSync(join(dir, `paced-${stamp}.md`), md);
console.log(md);
