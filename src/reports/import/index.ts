/** Loads anything `compare` accepts: an llmbench result folder or results.json, a vLLM or a llama-bench JSON. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { type RunResult } from '../../core/result.js';
import { isRunResult, loadRunDir } from '../inputs.js';
import { importVllm, isVllmResult } from './vllm.js';
import { importLlamaBench, isLlamaBenchResult } from './llama-bench.js';

export interface CompareInput {
  /** What the user typed (used to pick --baseline). */
  ref: string;
  source: 'llmbench' | 'vllm' | 'llama-bench';
  result: RunResult;
}

export function loadCompareInput(ref: string, path: string): CompareInput {
  if (existsSync(path) && statSync(path).isDirectory()) return { ref, source: 'llmbench', result: loadRunDir(path).result };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError([{ where: ref, message: `cannot read as JSON: ${(e as Error).message}` }]);
  }
  const label = basename(path, extname(path));
  if (isRunResult(raw)) return { ref, source: 'llmbench', result: loadRunDir(path).result };
  if (isVllmResult(raw)) return { ref, source: 'vllm', result: importVllm(raw, path, label) };
  if (isLlamaBenchResult(raw)) return { ref, source: 'llama-bench', result: importLlamaBench(raw, path, label) };
  throw new UsageError([{ where: ref, message: 'not an llmbench result, a vLLM `bench serve --save-result` JSON, or a llama-bench `-o json` file' }]);
}
