/**
 * Does pinning the engine process (`--engine-cpus auto`) pay? Two engine processes on the same GGUF and settings,
 * one pinned by `auto` and one left to the OS (`none`), take turns (ABBA order, one repetition each per pair):
 * each repetition decodes `--sequences` requests at once, each forced to `--tokens` tokens after a 1-token prompt,
 * and its rate is all tokens / wall time from the first request's start to the last token (engine timestamps).
 * Reports the median of per-pair ratios (pinned / unpinned) with its distribution-free 95 % interval.
 *
 *   node --import tsx bench/engine-cpus.ts --model M.gguf [--threads 1] [--sequences 1,4] [--tokens 128] [--pairs 12]
 */
import { EngineProcess } from '../src/engine/llama/process.js';
import { flag, median, medianCi95, spread } from './stats.js';

const model = flag('model', '');
if (!model) throw new Error('--model PATH.gguf is required');
const threads = Number(flag('threads', '1'));
const tokens = Number(flag('tokens', '128'));
const pairs = Number(flag('pairs', '12'));
const seqList = flag('sequences', '1,4').split(',').map(Number);

async function rep(engine: EngineProcess, sequences: number): Promise<number> {
  const t0 = performance.timeOrigin + performance.now();
  let last = 0;
  await Promise.all(
    Array.from({ length: sequences }, (_, i) =>
      engine.generate({ kind: 'tokens', ids: [1 + i] }, { maxTokens: tokens, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: (_t, at) => void (last = Math.max(last, at)) }),
    ),
  );
  return (sequences * tokens) / ((last - t0) / 1000);
}

console.log(`model: ${model}, threads ${threads}, ${tokens} tokens per request, ${pairs} pairs\n`);
console.log('| sequences | pinned (auto) tok/s median | range | not pinned (none) tok/s median | range | pinned / not pinned: median of pairs | 95 % interval |');
console.log('|---|---|---|---|---|---|---|');
for (const sequences of seqList) {
  const cfg = { modelPath: model, threads, batchSize: 512, contextSize: tokens + 8, gpuLayers: 0, kvCacheType: 'f16' as const, flashAttention: false, sequences, gpu: false as const, tokenFlushMs: 20 };
  const pinned = await EngineProcess.start({ ...cfg, cpus: 'auto' });
  const free = await EngineProcess.start({ ...cfg, cpus: 'none' });
  if (!pinned.info.environment.engine_cpus) throw new Error(`auto did not pin: ${pinned.info.environment.engine_cpus_note}`);
  await rep(pinned, sequences);
  await rep(free, sequences);
  const a: number[] = [];
  const b: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let x: number, y: number;
    if (i % 2 === 0) {
      x = await rep(pinned, sequences);
      y = await rep(free, sequences);
    } else {
      y = await rep(free, sequences);
      x = await rep(pinned, sequences);
    }
    a.push(x);
    b.push(y);
    r.push(x / y);
    process.stderr.write(`sequences ${sequences} pair ${i + 1}/${pairs}: pinned ${x.toFixed(1)} not pinned ${y.toFixed(1)} ratio ${(x / y).toFixed(3)}\n`);
  }
  await pinned.close();
  await free.close();
  const ci = medianCi95(r);
  console.log(`| ${sequences} | ${median(a).toFixed(1)} | ${spread(a)} | ${median(b).toFixed(1)} | ${spread(b)} | ${median(r).toFixed(3)} | ${ci ? `${ci[0].toFixed(3)}–${ci[1].toFixed(3)}` : 'n/a'} |`);
}
