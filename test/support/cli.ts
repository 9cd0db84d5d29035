import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'llmbench-data-'));

/**
 * Runs the CLI in-process with captured output. History goes to a temporary data folder (never the user's), and
 * `run` skips the chart report unless a test asks for it with `report: true` (charts take seconds to render).
 */
export async function runCli(argv: string[], opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; cwd?: string; report?: boolean } = {}): Promise<CliResult> {
  if (argv[0] === 'run' && !opts.report && !argv.includes('--report')) argv = [...argv, '--no-report'];
  const env = { LLMBENCH_DATA_DIR: dataDir, LLMBENCH_CACHE_DIR: join(tmpdir(), 'llmbench-test-cache'), ...opts.env };
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env,
    cwd: opts.cwd ?? process.cwd(),
    signal: opts.signal ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}

export function tempDir(prefix = 'llmbench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
