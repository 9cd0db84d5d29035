/**
 * How fast is llmbench itself? Streams from a zero-latency server in another process through the whole run
 * pipeline (target, recorder, metrics, requests.jsonl) and reports:
 *   - streamed tokens/s and requests/s sustained at 1, 64 and 1024 concurrent streams;
 *   - llmbench's own CPU time per token (tokens per CPU-second);
 *   - how far measured inter-token gaps deviate from the gaps at which the server wrote the tokens, with 512
 *     paced streams (the server logs its write times on the shared high-resolution clock).
 * Numbers are recorded in bench/results/ and the README; CI never gates on them.
 *
 *   node --import tsx bench/client-overhead.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { createServerTarget } from '../src/targets/servers.js';
import { runPlan, type RunPlan } from '../src/runner/run.js';
import { SyntheticWorkload } from '../src/workloads/synthetic.js';
import { distribution } from '../src/metrics/stats.js';
import { type RequestRecord } from '../src/core/record.js';

const quick = process.argv.includes('--quick');

async function startServer(tokens: number, intervalMs: number): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'stream-server.mjs'), String(tokens), String(intervalMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function runLoad(url: string, concurrency: number, requests: number, outputTokens: number): Promise<{ records: RequestRecord[]; wallS: number; cpuS: number; originEpoch: number; loopP99: number | null }> {
  const out = mkdtempSync(join(tmpdir(), 'llmbench-bench-'));
  let originEpoch = 0;
  const plan: RunPlan = {
    config: {},
    api: 'chat',
    name: 'bench',
    outDir: out,
    targets: [{ dims: {}, value: { model: 'bench', engine: {} } }],
    workloads: [{ dims: { input_tokens: 8, output_tokens: outputTokens }, value: { make: (id) => new SyntheticWorkload({ input: { min: 8, max: 8 }, output: { min: outputTokens, max: outputTokens }, sharedPrefix: 0, scenarioKey: id }), defaultRequests: null } }],
    loads: [concurrency === 1 ? { mode: 'sequential' } : { mode: 'concurrency', concurrency }],
    requests,
    durationMs: null,
    warmup: 0,
    repeats: 1,
    timeoutMs: 120_000,
    temperature: null,
    seed: 1,
    extraBody: {},
    keepText: false,
    slo: null,
    percentiles: [],
    openTarget: async (_v, conns, clock) => {
      originEpoch = clock.originEpoch;
      const t = await createServerTarget({ server: 'openai', url, api: 'chat', model: 'bench', timeoutMs: 120_000, connections: conns });
      return { target: t, tokenizer: null };
    },
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await runPlan(plan, { signal: new AbortController().signal, log: () => undefined });
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  rmSync(out, { recursive: true, force: true });
  const client = res.result.scenarios[0]!.client as { event_loop_delay_p99_ms: number | null };
  return { records: res.records, wallS, cpuS: (c.user + c.system) / 1e6, originEpoch, loopP99: client.event_loop_delay_p99_ms };
}

async function throughput(concurrency: number): Promise<Record<string, number | null>> {
  const tokens = 256;
  const requests = quick ? Math.max(concurrency, 8) : Math.max(concurrency * 2, 64);
  const srv = await startServer(tokens, 0);
  try {
    const r = await runLoad(srv.url, concurrency, requests, tokens);
    const ok = r.records.filter((x) => x.status === 'ok');
    const streamed = ok.reduce((s, x) => s + x.output_tokens_chunks, 0);
    const span = (Math.max(...ok.map((x) => x.completed_at!)) - Math.min(...ok.map((x) => x.sent_at!))) / 1000;
    return {
      concurrency,
      requests: r.records.length,
      failed: r.records.length - ok.length,
      tokens_per_s: streamed / span,
      requests_per_s: ok.length / span,
      client_cpu_s: r.cpuS,
      tokens_per_cpu_s: streamed / r.cpuS,
      cpu_us_per_token: (r.cpuS * 1e6) / streamed,
      event_loop_delay_p99_ms: r.loopP99,
    };
  } finally {
    srv.stop();
  }
}

async function gapError(streams: number, intervalMs: number, tokens: number): Promise<Record<string, number | null>> {
  const srv = await startServer(tokens, intervalMs);
  try {
    const r = await runLoad(srv.url, streams, streams, tokens);
    const log = (await (await fetch(`${srv.url}/log`)).json()) as Record<string, number[]>;
    const errors: number[] = [];
    for (const rec of r.records) {
      const writes = log[`llmbench-${rec.scenario_id}-${rec.repeat}-${rec.index}`];
      if (!writes || rec.status !== 'ok') continue;
      const arr = rec.chunk_times.map((t) => t + r.originEpoch);
      const n = Math.min(arr.length, writes.length);
      for (let i = 1; i < n; i++) errors.push(Math.abs(arr[i]! - arr[i - 1]! - (writes[i]! - writes[i - 1]!)));
    }
    const d = distribution(errors);
    return { streams, interval_ms: intervalMs, gaps: d.n, error_p50_ms: d.p50, error_p99_ms: d.p99, error_max_ms: d.max, event_loop_delay_p99_ms: r.loopP99 };
  } finally {
    srv.stop();
  }
}

const rows: Record<string, unknown>[] = [];
for (const c of [1, 64, 1024]) {
  const r = await throughput(c);
  rows.push(r);
  console.log(JSON.stringify(r));
}
const gap = await gapError(quick ? 64 : 512, 50, quick ? 20 : 40);
console.log(JSON.stringify(gap));
const report = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, throughput: rows, gap_error: gap };
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', `client-overhead${quick ? '-quick' : ''}.json`), JSON.stringify(report, null, 2) + '\n');
