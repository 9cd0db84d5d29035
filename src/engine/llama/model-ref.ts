/**
 * `--model` values: a local GGUF path, or a remote reference node-llama-cpp resolves (`hf:user/repo:quant`,
 * `hf:user/repo/file.gguf`, an https URL), downloaded once into llmbench's cache folder. Only a remote reference
 * touches the network, and only when the user names one.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveModelFile } from 'node-llama-cpp';
import { SetupError } from '../../core/errors.js';

export function isRemoteModelRef(ref: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(ref);
}

/** Where downloaded models go: $XDG_CACHE_HOME/llmbench/models, else ~/.cache/llmbench/models. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'llmbench', 'models');
}

export async function resolveModelRef(ref: string, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (!isRemoteModelRef(ref)) return resolve(cwd, ref);
  try {
    return await resolveModelFile(ref, { directory: modelCacheDir(env), cli: false });
  } catch (err) {
    throw new SetupError('LLMBENCH_MODEL_DOWNLOAD_FAILED', `could not resolve ${ref}: ${(err as Error).message}`, 'check the reference (hf:user/repo:Q4_K_M) and the network, or download the GGUF and pass its path', { cause: err });
  }
}
