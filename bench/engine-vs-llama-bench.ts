/**
 * Compares llmbench's in-process engine with llama.cpp's own llama-bench on the same GGUF, threads and lengths.
 *
 *   node --import tsx bench/engine-vs-llama-bench.ts --model M.gguf [--llama-bench PATH/llama-bench] \
 *        [--threads 1] [--pp 512] [--tg 128] [--pairs 10] [--same-libs]
 *
 * llama-bench (tools/llama-bench): `pp N` decodes N random tokens in one batch; `tg N` decodes N tokens one at a
 * time from an empty context; each test is repeated -r times after a warmup, reported as tokens/s per repetition.
 * llmbench, through the same child-process engine the embedded target uses:
 *   pp: a generation whose prompt is N random token ids and max_tokens 1; tokens/s = N / prefill_ms
 *       (prefill_ms also holds the one greedy sample of the first token);
 *   tg: a forced-length generation of N+1 tokens after a 1-token prompt. Two rates:
 *       engine = N / Σ decode_steps_ms (llama_decode + sampling, what llama-bench times), and
 *       client = N / (last − first token timestamp) (adds our detokenize + IPC between steps).
 * The two tools alternate one repetition at a time (llama-bench -r 1, then one llmbench repetition: a pair), so
 * a noisy neighbour hits both alike; the ratio is the median of the per-pair ratios, the rates are medians.
 * The best repetition of each tool (its least disturbed run) is compared as well: on a machine shared with other
 * work, the fastest run is the closest to the undisturbed speed. The engine process's CPU time per token
 * (getrusage) is printed for reference.
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
import { flag, median, spread } from './stats.js';

const model = flag('model', '');
const llamaBench = flag('llama-bench', '/work/llama.cpp-build/bin/llama-bench');
const threads = Number(flag('threads', '1'));
const pp = Number(flag('pp', '512'));
const tg = Number(flag('tg', '128'));
const pairs = Number(flag('pairs', '10'));
// As the embedded target sends tokens (createEmbeddedTarget's default); 0 = one message per token, as serve does.
const flushMs = Number(flag('flush-ms', '20'));
const batch = Number(flag('batch', String(Math.max(512, pp))));
if (!model) throw new Error('--model PATH.gguf is required');
const sameLibs = process.argv.includes('--same-libs');
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

function llamaBenchRun(p: number, n: number, r: number): { rows: LbRow[] } {
  // -b/-ub equal (node-llama-cpp uses n_ubatch = n_batch); -fa 0 on both sides.
  const args = ['-m', realpathSync(model), '-t', String(threads), '-p', String(p), '-n', String(n), '-r', String(r), '-b', String(batch), '-ub', String(batch), '-fa', '0', '-o', 'json'];
  const res = spawnSync(llamaBench, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: lbEnv, cwd: lbCwd });
  if (res.status !== 0) throw new Error(`llama-bench failed (${res.status}): ${res.stderr.slice(-2000)}`);
  return { rows: JSON.parse(res.stdout) as LbRow[] };
}

async function cpuMs(engine: EngineProcess): Promise<number> {
  const u = await engine.call<{ user: number; system: number }>('cpuUsage', null);
  return (u.user + u.system) / 1000;
}

async function llmbenchRep(ppEngine: EngineProcess, tgEngine: EngineProcess, nVocab: number) {
  // Random ids like llama-bench's (uniform over the vocabulary), the same every repetition.
  let s = 12345;
  const ids = Array.from({ length: pp }, () => ((s = (s * 1103515245 + 12345) % 2147483648), 3 + (s % (nVocab - 3))));
  const c0 = await cpuMs(ppEngine);
  const a = await ppEngine.generate({ kind: 'tokens', ids }, { maxTokens: 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: () => {} });
  const c1 = await cpuMs(ppEngine);
  const t1 = await cpuMs(tgEngine);
  const ats: number[] = [];
  const b = await tgEngine.generate({ kind: 'tokens', ids: [1] }, { maxTokens: tg + 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: (_t, at) => void ats.push(at) });
  const c2 = await cpuMs(tgEngine);
  const stepsMs = b.engine.decode_steps_ms.reduce((x, y) => x + y, 0);
  return {
    pp: (pp / a.engine.prefill_ms!) * 1000,
    tgEngine: (tg / stepsMs) * 1000,
    tgClient: (tg / (ats.at(-1)! - ats[0]!)) * 1000,
    ppCpuMsPerTok: (c1 - c0) / pp,
    tgCpuMsPerTok: (c2 - t1) / (tg + 1),
  };
}

// llama-bench gives each test a context of exactly its tokens (n_ctx = n_prompt + n_gen); attention over a larger KV
// cache costs more per token, so each test gets its own engine sized like llama-bench's (+8 for our first token).
const start = (ctx: number) => EngineProcess.start({ modelPath: model, threads, batchSize: batch, contextSize: ctx, gpuLayers: 0, kvCacheType: 'f16', flashAttention: false, sequences: 1, gpu: false, tokenFlushMs: flushMs });
const ppEngine = await start(pp + 8);
const tgEngine = await start(tg + 8);
const engine = ppEngine;
const lb = { pp: [] as number[], tg: [] as number[] };
const me = { pp: [] as number[], tgEngine: [] as number[], tgClient: [] as number[], ppCpu: [] as number[], tgCpu: [] as number[] };
const ratio = { pp: [] as number[], tgEngine: [] as number[], tgClient: [] as number[] };
let build = '';
await llmbenchRep(ppEngine, tgEngine, engine.info.model.n_vocab); // warmup, as llama-bench does
for (let i = 0; i < pairs; i++) {
  const one = llamaBenchRun(pp, tg, 1);
  const p = one.rows.find((x) => x.n_prompt === pp && x.n_gen === 0)!.samples_ts[0]!;
  const g = one.rows.find((x) => x.n_gen === tg && x.n_prompt === 0)!.samples_ts[0]!;
  build = `${one.rows[0]?.build_commit ?? '?'} (build ${one.rows[0]?.build_number ?? '?'})`;
  const m = await llmbenchRep(ppEngine, tgEngine, engine.info.model.n_vocab);
  lb.pp.push(p);
  lb.tg.push(g);
  me.pp.push(m.pp);
  me.tgEngine.push(m.tgEngine);
  me.tgClient.push(m.tgClient);
  me.ppCpu.push(m.ppCpuMsPerTok);
  me.tgCpu.push(m.tgCpuMsPerTok);
  ratio.pp.push(m.pp / p);
  ratio.tgEngine.push(m.tgEngine / g);
  ratio.tgClient.push(m.tgClient / g);
  process.stderr.write(`pair ${i + 1}/${pairs}: llama-bench pp ${p.toFixed(1)} tg ${g.toFixed(1)} | llmbench pp ${m.pp.toFixed(1)} tg ${m.tgEngine.toFixed(1)} (client ${m.tgClient.toFixed(1)})\n`);
}
await ppEngine.close();
await tgEngine.close();

const env = engine.info.environment;
const best = (xs: number[]) => Math.max(...xs);
const row = (name: string, xs: number[], r: number[] | null, ref: number[]) =>
  `| ${name} | ${median(xs).toFixed(1)} | ${spread(xs)} | ${r ? `${median(r).toFixed(3)} (${spread(r.map((x) => x * 100))} %)` : '1'} | ${best(xs).toFixed(1)} | ${(best(xs) / best(ref)).toFixed(3)} |`;
console.log(`model: ${model} (${engine.info.model.type}, ${(engine.info.model.bytes / 1e6).toFixed(1)} MB), threads ${threads}, batch ${batch}, ${pairs} pairs, token messages every ${flushMs} ms`);
console.log(`llmbench engine: node-llama-cpp ${env.node_llama_cpp_version}, llama.cpp ${env.llama_cpp_release} (${env.build_type}); llama-bench: ${llamaBench} ${build}${sameLibs ? ` on node-llama-cpp's prebuilt libraries (${prebuilt})` : ''}\n`);
console.log('| test | tokens/s (median) | range | ratio to llama-bench (median of pairs, range) | best tokens/s | ratio of bests |');
console.log('|---|---|---|---|---|---|');
console.log(row(`llama-bench pp${pp}`, lb.pp, null, lb.pp));
console.log(row(`llmbench pp${pp}`, me.pp, ratio.pp, lb.pp));
console.log(row(`llama-bench tg${tg}`, lb.tg, null, lb.tg));
console.log(row(`llmbench tg${tg} (engine steps)`, me.tgEngine, ratio.tgEngine, lb.tg));
console.log(row(`llmbench tg${tg} (client timestamps)`, me.tgClient, ratio.tgClient, lb.tg));
console.log(`\nengine process CPU per token (median): pp ${median(me.ppCpu).toFixed(4)} ms, tg ${median(me.tgCpu).toFixed(4)} ms`);
