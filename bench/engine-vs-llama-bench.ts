/**
 * Compares llmbench's in-process engine with llama.cpp's own llama-bench on the same GGUF, threads and lengths.
 *
 *   node --import tsx bench/engine-vs-llama-bench.ts --model M.gguf [--llama-bench PATH/llama-bench] \
 *        [--threads 1] [--pp 512] [--tg 128] [--reps 5] [--rounds 3]
 *
 * llama-bench (tools/llama-bench): `pp N` decodes N random tokens in one batch; `tg N` decodes N tokens one at a
 * time from an empty context; each test is repeated -r times after a warmup, reported as tokens/s per repetition.
 * llmbench, through the same child-process engine the embedded target uses:
 *   pp: a generation whose prompt is N random token ids and max_tokens 1; tokens/s = N / prefill_ms
 *       (prefill_ms also holds the one greedy sample of the first token);
 *   tg: a forced-length generation of N+1 tokens after a 1-token prompt. Two rates:
 *       engine = N / Σ decode_steps_ms (llama_decode + sampling, what llama-bench times), and
 *       client = N / (last − first token timestamp) (adds our detokenize + IPC between steps).
 * Rounds interleave the two tools (llama-bench -r REPS, then llmbench REPS times) so a noisy neighbour hits both;
 * figures are medians over all repetitions of all rounds.
 *
 * On a shared machine wall-clock rates swing with the neighbours' load, so CPU time per token is reported too:
 * llmbench's from the engine process's getrusage around each test; llama-bench's from two runs that differ only
 * in -r (REPS and 2×REPS; the difference cancels model load and warmup): CPU s / (REPS × N).
 */
import { spawnSync } from 'node:child_process';
import { EngineProcess } from '../src/engine/llama/process.js';
import { flag, median, spread } from './stats.js';

const model = flag('model', '');
const llamaBench = flag('llama-bench', '/work/llama.cpp-build/bin/llama-bench');
const threads = Number(flag('threads', '1'));
const pp = Number(flag('pp', '512'));
const tg = Number(flag('tg', '128'));
const reps = Number(flag('reps', '5'));
const rounds = Number(flag('rounds', '3'));
const batch = Number(flag('batch', String(Math.max(512, pp))));
if (!model) throw new Error('--model PATH.gguf is required');

interface LbRow { n_prompt: number; n_gen: number; samples_ts: number[]; build_commit?: string; build_number?: number }

/** Runs llama-bench under /usr/bin/time; returns its JSON rows and its CPU seconds (user + system). */
function llamaBenchRun(p: number, n: number, r: number): { rows: LbRow[]; cpuS: number } {
  // -b/-ub equal (node-llama-cpp uses n_ubatch = n_batch); -fa 0 on both sides.
  const args = ['-f', '%U %S', llamaBench, '-m', model, '-t', String(threads), '-p', String(p), '-n', String(n), '-r', String(r), '-b', String(batch), '-ub', String(batch), '-fa', '0', '-o', 'json'];
  const res = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`llama-bench failed (${res.status}): ${res.stderr.slice(-2000)}`);
  const cpu = res.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { rows: JSON.parse(res.stdout) as LbRow[], cpuS: cpu[0]! + cpu[1]! };
}

async function cpuMs(engine: EngineProcess): Promise<number> {
  const u = await engine.call<{ user: number; system: number }>('cpuUsage', null);
  return (u.user + u.system) / 1000;
}

async function llmbenchRep(engine: EngineProcess, nVocab: number) {
  // Random ids like llama-bench's (uniform over the vocabulary), the same every repetition.
  let s = 12345;
  const ids = Array.from({ length: pp }, () => ((s = (s * 1103515245 + 12345) % 2147483648), 3 + (s % (nVocab - 3))));
  const c0 = await cpuMs(engine);
  const a = await engine.generate({ kind: 'tokens', ids }, { maxTokens: 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: () => {} });
  const c1 = await cpuMs(engine);
  const ats: number[] = [];
  const b = await engine.generate({ kind: 'tokens', ids: [1] }, { maxTokens: tg + 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: (_t, at) => void ats.push(at) });
  const c2 = await cpuMs(engine);
  const stepsMs = b.engine.decode_steps_ms.reduce((x, y) => x + y, 0);
  return {
    pp: (pp / a.engine.prefill_ms!) * 1000,
    tgEngine: (tg / stepsMs) * 1000,
    tgClient: (tg / (ats.at(-1)! - ats[0]!)) * 1000,
    ppCpuMsPerTok: (c1 - c0) / pp,
    tgCpuMsPerTok: (c2 - c1) / (tg + 1),
  };
}

const engine = await EngineProcess.start({ modelPath: model, threads, batchSize: batch, contextSize: Math.max(pp, tg) + 8, gpuLayers: 0, kvCacheType: 'f16', flashAttention: false, sequences: 1, gpu: false });
const lb = { pp: [] as number[], tg: [] as number[], ppCpu: [] as number[], tgCpu: [] as number[] };
const me = { pp: [] as number[], tgEngine: [] as number[], tgClient: [] as number[], ppCpu: [] as number[], tgCpu: [] as number[] };
let build = '';
await llmbenchRep(engine, engine.info.model.n_vocab); // warmup, as llama-bench does
for (let r = 0; r < rounds; r++) {
  const one = llamaBenchRun(pp, tg, reps);
  const p = one.rows.find((x) => x.n_prompt === pp && x.n_gen === 0)!;
  const g = one.rows.find((x) => x.n_gen === tg && x.n_prompt === 0)!;
  build = `${one.rows[0]?.build_commit ?? '?'} (build ${one.rows[0]?.build_number ?? '?'})`;
  lb.pp.push(...p.samples_ts);
  lb.tg.push(...g.samples_ts);
  // CPU per token: the same test at -r reps and -r 2·reps; the difference is reps repetitions of pure work.
  const ppA = llamaBenchRun(pp, 0, reps).cpuS;
  const ppB = llamaBenchRun(pp, 0, 2 * reps).cpuS;
  const tgA = llamaBenchRun(0, tg, reps).cpuS;
  const tgB = llamaBenchRun(0, tg, 2 * reps).cpuS;
  lb.ppCpu.push(((ppB - ppA) * 1000) / (reps * pp));
  lb.tgCpu.push(((tgB - tgA) * 1000) / (reps * tg));
  for (let i = 0; i < reps; i++) {
    const m = await llmbenchRep(engine, engine.info.model.n_vocab);
    me.pp.push(m.pp);
    me.tgEngine.push(m.tgEngine);
    me.tgClient.push(m.tgClient);
    me.ppCpu.push(m.ppCpuMsPerTok);
    me.tgCpu.push(m.tgCpuMsPerTok);
  }
  process.stderr.write(`round ${r + 1}/${rounds}: llama-bench pp ${median(p.samples_ts).toFixed(1)} tg ${median(g.samples_ts).toFixed(1)} t/s | llmbench pp ${median(me.pp.slice(-reps)).toFixed(1)} tg ${median(me.tgEngine.slice(-reps)).toFixed(1)} t/s\n`);
}
await engine.close();

const env = engine.info.environment;
const row = (name: string, xs: number[], ref: number[]) => `| ${name} | ${median(xs).toFixed(1)} | ${spread(xs)} | ${(median(xs) / median(ref)).toFixed(3)} |`;
const cpuRow = (name: string, xs: number[], ref: number[]) => `| ${name} | ${median(xs).toFixed(4)} | ${xs.length} | ${(median(ref) / median(xs)).toFixed(3)} |`;
console.log(`model: ${model} (${engine.info.model.type}, ${(engine.info.model.bytes / 1e6).toFixed(1)} MB), threads ${threads}, batch ${batch}, ${rounds}×${reps} repetitions`);
console.log(`llmbench engine: node-llama-cpp ${env.node_llama_cpp_version}, llama.cpp ${env.llama_cpp_release} (${env.build_type}); llama-bench: ${llamaBench} ${build}\n`);
console.log('| test | tokens/s (median) | range | vs llama-bench |');
console.log('|---|---|---|---|');
console.log(row(`llama-bench pp${pp}`, lb.pp, lb.pp));
console.log(row(`llmbench pp${pp}`, me.pp, lb.pp));
console.log(row(`llama-bench tg${tg}`, lb.tg, lb.tg));
console.log(row(`llmbench tg${tg} (engine steps)`, me.tgEngine, lb.tg));
console.log(row(`llmbench tg${tg} (client timestamps)`, me.tgClient, lb.tg));
console.log('\n| test | CPU ms per token (median) | samples | llmbench speed vs llama-bench (CPU) |');
console.log('|---|---|---|---|');
console.log(cpuRow(`llama-bench pp${pp}`, lb.ppCpu, lb.ppCpu));
console.log(cpuRow(`llmbench pp${pp}`, me.ppCpu, lb.ppCpu));
console.log(cpuRow(`llama-bench tg${tg}`, lb.tgCpu, lb.tgCpu));
console.log(cpuRow(`llmbench tg${tg}`, me.tgCpu, lb.tgCpu));
