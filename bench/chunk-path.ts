/**
 * The per-chunk path alone, without a network: SSE framing, the stream loop (error check, parse or fast path, the
 * spec's reader) and the recorder, fed one token per read (as bench/paced-server.mjs writes them) by a stand-in for
 * the HTTP client. Reports CPU ns per token for this checkout and, with --baseline DIR, for another checkout, each
 * in its own process (so neither warms the other's JIT).
 *
 *   node --import tsx bench/chunk-path.ts [--baseline DIR] [--tokens 2000000]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name: string, def: string | null = null) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
};
const tokens = Number(arg('tokens', '2000000'));
const root = arg('root');

if (root === null) {
  // Parent: one child per checkout, several rounds alternating, so a load spike hits both alike.
  const roots = [['this checkout', join(import.meta.dirname, '..')], ...(arg('baseline') ? [['baseline', resolve(arg('baseline')!)]] : [])];
  const rows: Record<string, unknown>[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [name, dir] of roots) {
      const load = loadavg()[0]!;
      const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--root', dir!, '--tokens', String(tokens)], { encoding: 'utf8' });
      rows.push({ checkout: name, round, load_avg_1m: Number(load.toFixed(2)), ...JSON.parse(r.stdout.trim() || '{}') });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
  const measuredAt = new Date().toISOString();
  const dirOut = join(import.meta.dirname, 'results');
  mkdirSync(dirOut, { recursive: true });
  const command = `node --import tsx bench/chunk-path.ts ${process.argv.slice(2).join(' ')}`.trim();
  // The shape every bench/results record has (what, date, machine.description, command), then this bench's rows.
  const machine = { description: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`, cpu: cpus()[0]?.model ?? null, cores: cpus().length, node: process.version };
  const what = 'per-chunk work above the transport (framing, stream loop, recorder; no network), µs per token';
  const stamp = measuredAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  writeFileSync(join(dirOut, `chunk-path-${stamp}.json`), JSON.stringify({ what, date: measuredAt.slice(0, 10), measured_at: measuredAt, machine, command, rows }, null, 2) + '\n');
} else {
  const mod = (p: string) => import(pathToFileURL(join(root, 'src', p)).href);
  const { sendStream } = await mod('targets/stream.ts');
  const { OPENAI } = await mod('targets/specs/openai.ts');
  const { Recorder } = await mod('runner/recorder.ts');
  const perRequest = 128;
  const reads: Buffer[] = [];
  for (let i = 0; i < perRequest; i++) reads.push(Buffer.from(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{"content":" t${i}"},"finish_reason":null}]}\n\n`));
  reads.push(Buffer.from(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\ndata: {"id":"c","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":${perRequest},"total_tokens":${perRequest + 8}}}\n\ndata: [DONE]\n\n`));
  const http = {
    stream: async (_p: string, _b: unknown, _s: AbortSignal, h: { onHeaders(s: number, hd: object): void; onData(c: Uint8Array): void }) => {
      h.onHeaders(200, {});
      for (const r of reads) h.onData(r);
    },
  };
  const t = { http, info: { model: 'bench', length_forcing: 'none' }, api: OPENAI.apis[0], maxEventBytes: 16 << 20, rejected: { length: false, optional: false } };
  const clock = { now: () => performance.now() };
  const seed = { scenario_id: 's', repeat: 0, index: 0, warmup: false, scheduled_at: 0, input_tokens: 8, input_tokens_source: null, requested_output_tokens: perRequest, length_forced: null };
  const req = { id: 'r', prompt: 'p', max_tokens: perRequest, force_length: false, temperature: null, seed: null, extra_body: {} };
  const signal = new AbortController().signal;
  const run = async (n: number) => {
    for (let k = 0; k < n; k++) {
      const rec = new Recorder(clock, seed, false);
      await sendStream(t, req, rec, signal);
      if (rec.rec.chunk_times.length !== perRequest) throw new Error('wrong token count');
    }
  };
  await run(2000); // warm the JIT
  const requests = Math.ceil(tokens / perRequest);
  const c0 = process.cpuUsage();
  await run(requests);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ tokens: requests * perRequest, cpu_ns_per_token: Math.round(((c.user + c.system) * 1000) / (requests * perRequest)) }));
}
