/**
 * Checks the embedded scorer against llama.cpp's llama-perplexity on the same GGUF and text.
 *
 *   node --import tsx bench/scorer-vs-llama-perplexity.ts --model M.gguf --text FILE \
 *        [--llama-perplexity PATH] [--ctx 128]
 *
 * llama-perplexity (tools/perplexity/perplexity.cpp): tokenizes the whole text with BOS, cuts it into
 * floor(n / ctx) windows, puts BOS first in every window, and scores the tokens at positions ctx/2+1 .. ctx−1 of
 * each window; PPL = exp(mean negative log-likelihood). The same windows are scored here with the scorer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineProcess } from '../src/engine/llama/process.js';
import { flag } from './stats.js';

const model = flag('model', '');
const textFile = flag('text', '');
const bin = flag('llama-perplexity', '/work/llama.cpp-build/bin/llama-perplexity');
const ctx = Number(flag('ctx', '128'));
if (!model || !textFile) throw new Error('--model and --text are required');

// Its log thread loses the last lines when writing to a pipe; a file keeps them.
const logPath = join(mkdtempSync(join(tmpdir(), 'llmbench-ppl-')), 'out.txt');
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const r = spawnSync('sh', ['-c', `${q(bin)} -m ${q(model)} -f ${q(textFile)} -c ${ctx} -b ${ctx} -t 1 > ${q(logPath)} 2>&1`]);
const log = readFileSync(logPath, 'utf8');
const m = /PPL = ([\d.]+) \+\/- ([\d.]+)/.exec(log);
if (!m) throw new Error(`llama-perplexity printed no estimate (status ${r.status}):\n${log.slice(-2000)}`);
const chunkLine = /\[1\][\d.,[\]]+/.exec(log)?.[0] ?? '';

const engine = await EngineProcess.start({ modelPath: model, threads: 1, batchSize: ctx, contextSize: ctx, gpuLayers: 0, kvCacheType: 'f16', flashAttention: false, sequences: 1, gpu: false });
const ids = await engine.call<number[]>('inputTokens', { kind: 'prompt', text: readFileSync(textFile, 'utf8') });
const bos = engine.info.model.bos;
const first = ctx >> 1;
let nll = 0;
let count = 0;
const perChunk: string[] = [];
for (let c = 0; c + 1 <= Math.floor(ids.length / ctx); c++) {
  const win = ids.slice(c * ctx, (c + 1) * ctx);
  if (engine.info.model.add_bos && bos !== null) win[0] = bos;
  const lp = await engine.call<Array<number | null>>('score', { ids: win });
  for (let j = first + 1; j < ctx; j++) {
    nll -= lp[j]!;
    count++;
  }
  perChunk.push(`[${c + 1}]${Math.exp(nll / count).toFixed(4)}`);
}
await engine.close();
const ours = Math.exp(nll / count);
console.log(`model ${model}, text ${textFile} (${ids.length} tokens), ctx ${ctx}, ${count} scored tokens`);
console.log(`llama-perplexity: PPL = ${m[1]} +/- ${m[2]}   chunks ${chunkLine.slice(0, 120)}`);
console.log(`llmbench scorer:  PPL = ${ours.toFixed(4)}            chunks ${perChunk.join(',').slice(0, 120)}`);
console.log(`relative difference: ${(((ours - Number(m[1])) / Number(m[1])) * 100).toFixed(4)} %`);
