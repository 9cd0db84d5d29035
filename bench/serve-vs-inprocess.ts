/**
 * Serving overhead: aggregate generation tokens/s of `llmbench serve` (HTTP + SSE + JSON, streamed to a fetch
 * client in this process) versus the same engine called in-process, at 1 and 4 parallel sequences.
 *
 *   node --import tsx bench/serve-vs-inprocess.ts --model M.gguf [--threads 1] [--tokens 128] [--reps 5]
 *
 * Each repetition sends P requests at once (P = sequences), each forced to exactly `tokens` output tokens after a
 * short prompt; tokens/s = P × tokens / (last request done − first request sent), measured by the client.
 * Serve and in-process repetitions alternate so background load hits both alike; figures are medians.
 */
import { EngineProcess } from '../src/engine/llama/process.js';
import { startServe } from '../src/engine/serve/server.js';
import { flag, median, spread } from './stats.js';

const model = flag('model', '');
const threads = Number(flag('threads', '1'));
const tokens = Number(flag('tokens', '128'));
const reps = Number(flag('reps', '5'));
const prompt = 'Once upon a time';
if (!model) throw new Error('--model PATH.gguf is required');

async function inProcess(engine: EngineProcess, p: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: p }, () => engine.generate({ kind: 'prompt', text: prompt }, { maxTokens: tokens, minTokens: 0, ignoreEos: true, temperature: 0, seed: 1 }, { token: () => {} })));
  return ((p * tokens) / (performance.now() - t0)) * 1000;
}

async function streamOne(url: string): Promise<number> {
  const r = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt, max_tokens: tokens, ignore_eos: true, temperature: 0, stream: true }) });
  const text = await r.text();
  return text.split('\n\n').filter((e) => e.startsWith('data: {')).length - 1; // minus the final (finish_reason) chunk
}

async function served(url: string, p: number): Promise<number> {
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: p }, () => streamOne(url)));
  if (counts.some((c) => c !== tokens)) throw new Error(`expected ${tokens} chunks per request, got ${counts.join(',')}`);
  return ((p * tokens) / (performance.now() - t0)) * 1000;
}

console.log(`model: ${model}, threads ${threads}, ${tokens} tokens per request, ${reps} repetitions\n`);
console.log('| sequences | in-process tok/s (median, range) | serve tok/s (median, range) | serve / in-process |');
console.log('|---|---|---|---|');
for (const p of [1, 4]) {
  const engine = await EngineProcess.start({ modelPath: model, threads, batchSize: null, contextSize: tokens + 32, gpuLayers: 0, kvCacheType: 'f16', flashAttention: null, sequences: p, gpu: false });
  const srv = await startServe({ modelPath: model, port: 0, parallel: p, threads, contextSize: tokens + 32 });
  await inProcess(engine, p);
  await served(srv.url, p);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(await inProcess(engine, p));
    b.push(await served(srv.url, p));
  }
  await srv.close();
  await engine.close();
  console.log(`| ${p} | ${median(a).toFixed(1)} (${spread(a)}) | ${median(b).toFixed(1)} (${spread(b)}) | ${(median(b) / median(a)).toFixed(3)} |`);
}
