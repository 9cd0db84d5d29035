/**
 * Compares llmbench's in-process engine with llama.cpp's own llama-bench on the same GGUF, threads and lengths.
 *
 *   node --import tsx bench/engine-vs-llama-bench.ts --model M.gguf --llama-bench PATH/llama-bench \
 *        [--threads 1] [--pp 512] [--tg 128] [--reps 5] [--rounds 2]
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
 * every figure is the median over all repetitions of all rounds.
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
const rounds = Number(flag('rounds', '2'));
const batch = Number(flag('batch', String(Math.max(512, pp))));
if (!model) throw new Error('--model PATH.gguf is required');

interface LbResult { n_prompt: number; n_gen: number; samples_ts: number[] }

function runLlamaBench(): { pp: number[]; tg: number[]; build: string } {
  // -b/-ub equal to node-llama-cpp's (n_ubatch = n_batch there); -fa 0 on both sides (context created without it).
  const args = ['-m', model, '-t', String(threads), '-p', String(pp), '-n', String(tg), '-r', String(reps), '-b', String(batch), '-ub', String(batch), '-fa', '0', '-o', 'json'];
  const r = spawnSync(llamaBench, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`llama-bench failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const rows = JSON.parse(r.stdout) as Array<LbResult & { build_commit?: string; build_number?: number }>;
  const p = rows.find((x) => x.n_prompt === pp && x.n_gen === 0)!;
  const g = rows.find((x) => x.n_gen === tg && x.n_prompt === 0)!;
  return { pp: p.samples_ts, tg: g.samples_ts, build: `${rows[0]?.build_commit ?? '?'} (build ${rows[0]?.build_number ?? '?'})` };
}

async function runLlmbench(engine: EngineProcess, nVocab: number): Promise<{ pp: number; tgEngine: number; tgClient: number }> {
  // Random ids like llama-bench's (it draws uniformly from the vocabulary), fixed per call for repeatability.
  let s = 12345;
  const ids = Array.from({ length: pp }, () => ((s = (s * 1103515245 + 12345) % 2147483648), 3 + (s % (nVocab - 3))));
  const a = await engine.generate({ kind: 'tokens', ids }, { maxTokens: 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: () => {} });
  const ats: number[] = [];
  const b = await engine.generate({ kind: 'tokens', ids: [1] }, { maxTokens: tg + 1, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: (_t, at) => void ats.push(at) });
  const stepsMs = b.engine.decode_steps_ms.reduce((x, y) => x + y, 0);
  return { pp: (pp / a.engine.prefill_ms!) * 1000, tgEngine: (tg / stepsMs) * 1000, tgClient: (tg / (ats.at(-1)! - ats[0]!)) * 1000 };
}

const engine = await EngineProcess.start({ modelPath: model, threads, batchSize: batch, contextSize: Math.max(pp, tg) + 8, gpuLayers: 0, kvCacheType: 'f16', flashAttention: false, sequences: 1, gpu: false });
const lb = { pp: [] as number[], tg: [] as number[] };
const me = { pp: [] as number[], tgEngine: [] as number[], tgClient: [] as number[] };
let build = '';
await runLlmbench(engine, engine.info.model.n_vocab); // warmup, as llama-bench does
for (let r = 0; r < rounds; r++) {
  const l = runLlamaBench();
  build = l.build;
  lb.pp.push(...l.pp);
  lb.tg.push(...l.tg);
  for (let i = 0; i < reps; i++) {
    const m = await runLlmbench(engine, engine.info.model.n_vocab);
    me.pp.push(m.pp);
    me.tgEngine.push(m.tgEngine);
    me.tgClient.push(m.tgClient);
  }
  process.stderr.write(`round ${r + 1}/${rounds}: llama-bench pp ${median(l.pp).toFixed(1)} tg ${median(l.tg).toFixed(1)} | llmbench pp ${median(me.pp.slice(-reps)).toFixed(1)} tg ${median(me.tgEngine.slice(-reps)).toFixed(1)}\n`);
}
await engine.close();

const row = (name: string, xs: number[], ref: number[]) => `| ${name} | ${median(xs).toFixed(1)} | ${spread(xs)} | ${(median(xs) / median(ref)).toFixed(3)} |`;
const env = engine.info.environment;
console.log(`model: ${model} (${engine.info.model.type}, ${(engine.info.model.bytes / 1e6).toFixed(1)} MB), threads ${threads}, batch ${batch}, ${rounds}×${reps} repetitions`);
console.log(`llmbench engine: node-llama-cpp ${env.node_llama_cpp_version}, llama.cpp ${env.llama_cpp_release} (${env.build_type}); llama-bench: ${build}\n`);
console.log('| test | tokens/s (median) | range | vs llama-bench |');
console.log('|---|---|---|---|');
console.log(row(`llama-bench pp${pp}`, lb.pp, lb.pp));
console.log(row(`llmbench pp${pp}`, me.pp, lb.pp));
console.log(row(`llama-bench tg${tg}`, lb.tg, lb.tg));
console.log(row(`llmbench tg${tg} (engine steps)`, me.tgEngine, lb.tg));
console.log(row(`llmbench tg${tg} (client timestamps)`, me.tgClient, lb.tg));
