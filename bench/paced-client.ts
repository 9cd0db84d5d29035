/**
 * One llmbench client run for bench/paced.ts, in its own process so its CPU time is its own: the whole run
 * pipeline (target, stream loop, recorder, metrics, requests.jsonl, self-monitor) in a closed loop of `streams`
 * streams for `duration` seconds against the paced server, then writes one JSON line to stdout:
 * { cpu_s (the scenario's, by llmbench's self-monitor), process_cpu_s, wall_s, tokens, requests, failed, loop_p99_ms, streams: { <x-request-id>: [epoch ms of each token] } }.
 *
 *   node --import tsx bench/paced-client.ts --root DIR --url URL --streams N --duration S
 * --root is the checkout whose src/ is measured (default: this one), so a checkout of an older commit can be
 * measured by the same driver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name: string, def?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1]!;
  if (def === undefined) throw new Error(`--${name} is required`);
  return def;
};
const root = resolve(arg('root', join(import.meta.dirname, '..')));
const url = arg('url');
const streams = Number(arg('streams'));
const durationS = Number(arg('duration'));
const api = arg('api', 'chat') as 'chat' | 'completions';
const tokens = Number(arg('tokens', '128'));

const mod = (p: string) => import(pathToFileURL(join(root, 'src', p)).href);
const { createServerTarget } = await mod('targets/servers.ts');
// runner/run.ts named its plan runner runBenchmark until the typed RunConfig took that name (runPlan since): a
// --root checkout from before then still has the old name.
const runMod = await mod('runner/run.ts');
const runPlan = runMod.runPlan ?? runMod.runBenchmark;
const { SyntheticWorkload } = await mod('workloads/synthetic.ts');

const out = mkdtempSync(join(tmpdir(), 'llmbench-paced-'));
let originEpoch = 0;
const plan = {
  config: {},
  api,
  name: 'paced',
  outDir: out,
  targets: [{ dims: {}, value: { model: 'bench', engine: {} } }],
  workloads: [{ dims: { input_tokens: 8, output_tokens: tokens }, value: { make: (id: string) => new SyntheticWorkload({ input: { min: 8, max: 8 }, output: { min: tokens, max: tokens }, sharedPrefix: 0, scenarioKey: id }), defaultRequests: null } }],
  loads: [{ mode: 'concurrency', concurrency: streams }],
  requests: null,
  durationMs: durationS * 1000,
  warmup: 0,
  repeats: 1,
  timeoutMs: 120_000,
  temperature: null,
  seed: 1,
  extraBody: {},
  keepText: false,
  slo: null,
  percentiles: [],
  openTarget: async (_v: unknown, conns: number, clock: { originEpoch: number }) => {
    originEpoch = clock.originEpoch;
    const t = await createServerTarget({ server: 'openai', url, api, model: 'bench', timeoutMs: 120_000, connections: conns });
    return { target: t, tokenizer: null };
  },
};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const res = await runPlan(plan, { signal: new AbortController().signal, log: () => undefined });
const wallS = (performance.now() - t0) / 1000;
const c = process.cpuUsage(cpu0);
rmSync(out, { recursive: true, force: true });
type Rec = { scenario_id: string; repeat: number; index: number; status: string; chunk_times: number[]; output_tokens_chunks: number };
const recs = res.records as Rec[];
// The scenario's span, first send to last completion (wall_s around runPlan also counts the probe and results).
const okRecs = recs as unknown as { sent_at: number | null; completed_at: number | null }[];
const spanS = (Math.max(...okRecs.map((r) => r.completed_at ?? 0)) - Math.min(...okRecs.map((r) => r.sent_at ?? Infinity))) / 1000;
const byId: Record<string, number[]> = {};
let streamed = 0;
for (const r of recs) {
  streamed += r.output_tokens_chunks;
  if (r.status === 'ok') byId[`llmbench-${r.scenario_id}-${r.repeat}-${r.index}`] = r.chunk_times.map((t) => t + originEpoch);
}
const client = res.result.scenarios[0]!.client as { event_loop_delay_p99_ms: number | null; cpu_s: number };
// cpu_s: the scenario's CPU time as llmbench's self-monitor measures it (the timed phase: no module loading, no
// probe, no results writing); process_cpu_s: the whole process from before the run starts, for reference.
process.stdout.write(JSON.stringify({ cpu_s: client.cpu_s, process_cpu_s: (c.user + c.system) / 1e6, wall_s: spanS, run_wall_s: wallS, tokens: streamed, requests: recs.length, failed: recs.filter((r) => r.status !== 'ok').length, loop_p99_ms: client.event_loop_delay_p99_ms, streams: byId }) + '\n', () => process.exit(0));
