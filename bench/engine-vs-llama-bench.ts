/**
 * Compares llmbench's in-process engine with llama.cpp's own llama-bench on the same GGUF, threads and lengths.
 *
 *   node --import tsx bench/engine-vs-llama-bench.ts --model M.gguf [--llama-bench PATH/llama-bench] \
 *        [--threads 1] [--pp 512] [--tg 128] [--pairs 20] [--same-libs] [--unpinned-llama-bench]
 *
 * llama-bench (tools/llama-bench): `pp N` decodes N random tokens in one batch; `tg N` decodes N tokens one at a
 * time from an empty context, without sampling; each test runs after a warmup, reported as tokens/s.
 * llmbench, through the same child-process engine the embedded target uses (with its default placement,
 * `--engine-cpus auto`):
 *   pp: a generation whose prompt is N random token ids and max_tokens 1; tokens/s = N / prefill_ms
 *       (prefill_ms also holds the one greedy sample of the first token);
 *   tg: a forced-length generation of N+1 tokens after a 1-token prompt. Two rates:
 *       engine = N / Σ decode_steps_ms (llama_decode + greedy sampling over the whole vocabulary), and
 *       client = N / (last − first token timestamp) (adds our detokenize + IPC between steps).
 *
 * Noise: on a shared VM the same llama-bench command varies by 2× between runs (neighbours share the L3 cache and
 * memory bandwidth, which a memory-bound decode step depends on), and the disturbance drifts over seconds. So each
 * test is its own series of pairs: one llama-bench process (-r 1) and one llmbench repetition back to back, the
 * order alternating from pair to pair (ABBA) so neither side always runs first. The ratio is the median of the
 * per-pair ratios with its distribution-free 95 % interval (bench/stats.ts); the best repetition of each side
 * (its least disturbed run) is compared as well.
 *
 * Placement: llama-bench runs on the CPUs the engine pinned itself to (taskset with the engine's
 * `environment.engine_cpus`), so both sides meet the same neighbours and caches; `--unpinned-llama-bench` leaves
 * it to the OS instead.
 *
 * --same-libs runs llama-bench on node-llama-cpp's own prebuilt libraries (libllama, libggml and the CPU backend
 * variant ggml picks at run time, e.g. libggml-cpu-zen4.so) instead of the ones it was built with: a symlink
 * directory on LD_LIBRARY_PATH (llama-bench's RUNPATH yields to it) and the prebuilt directory as working
 * directory (ggml_backend_load_all() looks for CPU variants there). Both tools then run the same machine code,
 * so the ratio measures llmbench's driving of the engine alone, not compiler or -march differences.
 * Needs a llama-bench from the same llama.cpp release (v0.4.0 for node-llama-cpp 3.21.1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineProcess } from '../src/engine/llama/process.js';
import { flag, median, medianCi95, spread } from './stats.js';

const model = flag('model', '');
const llamaBench = flag('llama-bench', '/work/llama.cpp-build/bin/llama-bench');
const threads = Number(flag('threads', '1'));
const pp = Number(flag('pp', '512'));
const tg = Number(flag('tg', '128'));
const pairs = Number(flag('pairs', '20'));
// As the embedded target sends tokens (createEmbeddedTarget's default); 0 = one message per token, as serve does.
const flushMs = Number(flag('flush-ms', '20'));
const batch = Number(flag('batch', String(Math.max(512, pp))));
if (!model) throw new Error('--model PATH.gguf is required');
const sameLibs = process.argv.includes('--same-libs');
const unpinned = process.argv.includes('--unpinned-llama-bench');
const prebuilt = realpathSync(flag('prebuilt-dir', 'node_modules/@node-llama-cpp/linux-x64/bins/linux-x64'));
let lbEnv: NodeJS.ProcessEnv = process.env;
let lbCwd: string | undefined;
if (sameLibs) {
  const shim = mkdtempSync(join(tmpdir(), 'llmbench-libs-'));
  // The sonames llama-bench was linked against → node-llama-cpp's files of the same release.
  const links: Record<string, string> = { 'libllama.so.0': 'libllama.v0.4.0.so', 'libggml.so.0': 'libggml.v0.4.0.so', 'libggml-base.so.0': 'libggml-base.so' };
  for (const [soname, file] of Object.entries(links)) symlinkSync(join(prebuilt, file), join(shim, soname));
  lbEnv = { ...process.env, LD_LIBRARY_PATH: shim };
  lbCwd = prebuilt;
}

interface LbRow { n_prompt: number; n_gen: number; samples_ts: number[]; build_commit?: string; build_number?: number }
let build = '';

function llamaBenchRun(test: 'pp' | 'tg', cpus: string | null): number {
  // -b/-ub equal (node-llama-cpp uses n_ubatch = n_batch); -fa 0 on both sides.
  const args = ['-m', realpathSync(model), '-t', String(threads), '-p', test === 'pp' ? String(pp) : '0', '-n', test === 'tg' ? String(tg) : '0', '-r', '1', '-b', String(batch), '-ub', String(batch), '-fa', '0', '-o', 'json'];
  const [cmd, argv] = cpus ? ['taskset', ['-c', cpus, llamaBench, ...args]] : [llamaBench, args];
  const res = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: lbEnv, cwd: lbCwd });
  if (res.status !== 0) throw new Error(`llama-bench failed (${res.status}): ${res.stderr.slice(-2000)}`);
  const rows = JSON.parse(res.stdout) as LbRow[];
  build = `${rows[0]?.build_commit ?? '?'} (build ${rows[0]?.build_number ?? '?'})`;
  return rows[0]!.samples_ts[0]!;
}

async function cpuMs(engine: EngineProcess): Promise<number> {
  const u = await engine.call<{ user: number; system: number }>('cpuUsage', null);
  return (u.user + u.system) / 1000;
}

// Random ids like llama-bench's (uniform over the vocabulary), the same every repetition.
function randomIds(n: number, nVocab: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648), 3 + (s % (nVocab - 3))));
}

async function ppRep(engine: EngineProcess) {
  const ids = randomIds(pp, engine.info.model.n_vocab ?? 256);
  const c0 = await cpuMs(engine);
  const a = await engine.generate({ kind: 'tokens', ids }, { maxTokens: 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: () => {} });
  return { rate: (pp / a.engine.prefill_ms!) * 1000, cpuMsPerTok: ((await cpuMs(engine)) - c0) / pp };
}

async function tgRep(engine: EngineProcess) {
  const c0 = await cpuMs(engine);
  const ats: number[] = [];
  const b = await engine.generate({ kind: 'tokens', ids: [1] }, { maxTokens: tg + 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: (_t, at) => void ats.push(at) });
  const stepsMs = b.engine.decode_steps_ms.reduce((x, y) => x + y, 0);
  return { rate: (tg / stepsMs) * 1000, client: (tg / (ats.at(-1)! - ats[0]!)) * 1000, cpuMsPerTok: ((await cpuMs(engine)) - c0) / (tg + 1) };
}

// llama-bench gives each test a context of exactly its tokens (n_ctx = n_prompt + n_gen); attention over a larger KV
// cache costs more per token, so each test gets its own engine sized like llama-bench's (+8 for our first token).
const start = (ctx: number) => EngineProcess.start({ modelPath: model, threads, batchSize: batch, contextSize: ctx, gpuLayers: 0, kvCacheType: 'f16', flashAttention: false, sequences: 1, gpu: false, tokenFlushMs: flushMs });

interface Series { lb: number[]; me: number[]; client: number[]; ratio: number[]; clientRatio: number[]; cpu: number[] }
const series = (): Series => ({ lb: [], me: [], client: [], ratio: [], clientRatio: [], cpu: [] });
const results: Record<'pp' | 'tg', Series> = { pp: series(), tg: series() };
let env: Record<string, unknown> = {};
let info = '';

for (const test of ['pp', 'tg'] as const) {
  const engine = await start((test === 'pp' ? pp : tg) + 8);
  env = engine.info.environment;
  info = `${engine.info.model.type}, ${(engine.info.model.bytes / 1e6).toFixed(1)} MB`;
  const cpus = unpinned ? null : ((env.engine_cpus as string | null) ?? null);
  const rep = () => (test === 'pp' ? ppRep(engine) : tgRep(engine));
  await rep(); // warmup, as llama-bench does
  const r = results[test];
  for (let i = 0; i < pairs; i++) {
    let lb: number;
    let me: { rate: number; client?: number; cpuMsPerTok: number };
    if (i % 2 === 0) {
      lb = llamaBenchRun(test, cpus);
      me = await rep();
    } else {
      me = await rep();
      lb = llamaBenchRun(test, cpus);
    }
    const client = me.client ?? me.rate;
    r.lb.push(lb);
    r.me.push(me.rate);
    r.client.push(client);
    r.ratio.push(me.rate / lb);
    r.clientRatio.push(client / lb);
    r.cpu.push(me.cpuMsPerTok);
    process.stderr.write(`${test} pair ${i + 1}/${pairs}: llama-bench ${lb.toFixed(1)} | llmbench ${me.rate.toFixed(1)}${test === 'tg' ? ` (client ${client.toFixed(1)})` : ''} | ratio ${(me.rate / lb).toFixed(3)}\n`);
  }
  await engine.close();
}

const best = (xs: number[]) => Math.max(...xs);
const ci = (r: number[]) => {
  const c = medianCi95(r);
  return c ? `${c[0].toFixed(3)}–${c[1].toFixed(3)}` : 'n/a';
};
const line = (name: string, xs: number[], ratio: number[] | null, ref: number[]) =>
  `| ${name} | ${median(xs).toFixed(1)} | ${spread(xs)} | ${best(xs).toFixed(1)} | ${ratio ? `${median(ratio).toFixed(3)} | ${ci(ratio)} | ${(best(xs) / best(ref)).toFixed(3)}` : '| |'} |`;
console.log(`model: ${model} (${info}), threads ${threads}, batch ${batch}, ${pairs} pairs per test, token messages every ${flushMs} ms`);
console.log(`llmbench engine: node-llama-cpp ${env.node_llama_cpp_version}, llama.cpp ${env.llama_cpp_release} (${env.build_type}), engine CPUs ${env.engine_cpus ?? `not pinned (${env.engine_cpus_note})`}`);
console.log(`llama-bench: ${llamaBench} ${build}${sameLibs ? ` on node-llama-cpp's prebuilt libraries (${prebuilt})` : ''}, ${unpinned ? 'not pinned' : `on CPUs ${env.engine_cpus ?? 'any (engine not pinned)'}`}\n`);
console.log('| test | tokens/s median | range | best | llmbench / llama-bench: median of pair ratios | its 95 % interval | ratio of bests |');
console.log('|---|---|---|---|---|---|---|');
console.log(line(`llama-bench pp${pp}`, results.pp.lb, null, results.pp.lb));
console.log(line(`llmbench pp${pp}`, results.pp.me, results.pp.ratio, results.pp.lb));
console.log(line(`llama-bench tg${tg}`, results.tg.lb, null, results.tg.lb));
console.log(line(`llmbench tg${tg} (engine steps)`, results.tg.me, results.tg.ratio, results.tg.lb));
console.log(line(`llmbench tg${tg} (client timestamps)`, results.tg.client, results.tg.clientRatio, results.tg.lb));
console.log(`\nengine process CPU per token (median): pp ${median(results.pp.cpu).toFixed(4)} ms, tg ${median(results.tg.cpu).toFixed(4)} ms`);
